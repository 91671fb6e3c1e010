// Language ids of WhisperSpeech's language embedding: Whisper's language codes, in Whisper's order
// (en = 0, pl = 10). Names and a few aliases are accepted too.
import { InputError } from "../../core/errors.ts";

const CODES = (
  "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la mi ml " +
  "cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am " +
  "yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su"
).split(" ");

const NAMES: Record<string, string> = {
  english: "en", chinese: "zh", german: "de", spanish: "es", russian: "ru", korean: "ko", french: "fr",
  japanese: "ja", portuguese: "pt", turkish: "tr", polish: "pl", catalan: "ca", dutch: "nl", arabic: "ar",
  swedish: "sv", italian: "it", indonesian: "id", hindi: "hi", finnish: "fi", vietnamese: "vi", hebrew: "he",
  ukrainian: "uk", greek: "el", czech: "cs", romanian: "ro", danish: "da", hungarian: "hu", norwegian: "no",
  // aliases Whisper accepts
  burmese: "my", valencian: "ca", flemish: "nl", haitian: "ht", letzeburgesch: "lb", pushto: "ps", panjabi: "pa",
  moldavian: "ro", moldovan: "ro", sinhalese: "si", castilian: "es",
};

export const LANGUAGE_CODES: readonly string[] = CODES;

/** Language code or name -> embedding row; `where` names the setting for the error. */
export function languageId(lang: string, where = "lang"): number {
  const key = lang.trim().toLowerCase();
  const id = CODES.indexOf(NAMES[key] ?? key);
  if (id < 0) throw new InputError(`${where}: unknown language "${lang}" (use a code such as en, pl, de)`);
  return id;
}
