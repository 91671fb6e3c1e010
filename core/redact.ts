// Credentials never reach a message: URL userinfo (scheme://user:pass@host, or user:pass@host without a
// scheme), token-like query parameters, and any secret value the caller names are replaced by ***.

const SECRET_PARAMS = /([?&](?:[\w.-]*token|auth|authorization|key|api_?key|password|pass|secret|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|credential)=)[^&#\s'"]*?(?=[&#\s'"]|[:;,.)]\s|[:;,.)]?$)/gi;
// userinfo: after "//" (or at a word start when there is no scheme), anything up to an "@" that is followed by a host.
const USERINFO = /(\/\/|(?<![\w.:/@-]))[^\s/@,'"()<>]+@(?=[\w[])/g;

/** `text` (a URL, a list of URLs, or a message quoting one) with userinfo and token query values hidden. */
export function redactUrl(text: string): string {
  return text.replace(USERINFO, "$1***@").replace(SECRET_PARAMS, "$1***");
}

/** `text` with URL credentials and each of `secrets` (values at least 3 characters long) hidden. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = redactUrl(text);
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join("***");
  return out;
}
