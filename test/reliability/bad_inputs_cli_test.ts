import { corpus } from "./bad_inputs.ts";
corpus("cli");
