// Tests write checkpoints in the original formats with the project's own writer.
export * from "../../models/checkpoint/writer.ts";
