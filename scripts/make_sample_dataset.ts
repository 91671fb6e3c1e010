// Writes data/sample_prompts.parquet: the sample dataset of the embedded demo (columns index:int64, prompt).
// Deterministic: the same file every time. Run: deno run -A scripts/make_sample_dataset.ts
import { parquetWriteBuffer } from "hyparquet-writer";

const subjects = [
  "a lighthouse keeper", "a small robot", "the northern lights", "a busy train station", "an old oak tree",
  "a jazz pianist", "the first snow of winter", "a desert caravan", "a city library at night", "a coral reef",
  "a mountain village", "a lost umbrella", "the smell of fresh bread", "a chess tournament", "a thunderstorm",
  "a paper boat", "a beekeeper", "the last bus home", "a violin maker", "a quiet harbour",
];
const tasks = [
  (s: string) => `Write a short story about ${s}.`,
  (s: string) => `Describe ${s} in three sentences.`,
  (s: string) => `Explain to a child what makes ${s} special.`,
  (s: string) => `Give me two fun facts about ${s}.`,
];
const extra = [
  "How do I convert Celsius to Fahrenheit?",
  "What is the difference between weather and climate?",
  "Summarize the plot of a detective novel in one paragraph.",
  "List three tips for a good night's sleep.",
  "Why is the sky blue during the day and red at sunset?",
  "Napisz krótki wiersz o jesieni.",
  "Jak ugotować dobrą zupę pomidorową?",
  "Opowiedz mi ciekawostkę o Krakowie.",
  "Café, naïve, façade: how are these words pronounced?",
  "Translate “good morning” into French, German and Spanish.",
  "What does 東京 mean, and how is it pronounced?",
  "Is 3.14 a good approximation of π? Explain briefly.",
  "Wie spät ist es in Berlin, wenn es in New York Mittag ist?",
  "Give a one-line motivational quote about learning.",
  "What should I pack for a weekend hiking trip?",
  "Recommend a simple breakfast with lots of protein.",
  "How does a bicycle stay upright while moving?",
  "Write a haiku about the ocean.",
  "What are the primary colours of light?",
  "Explain recursion with an everyday example.",
];

const prompts: string[] = [];
subjects.forEach((s, i) => prompts.push(tasks[i % tasks.length](s)));
subjects.forEach((s, i) => prompts.push(tasks[(i + 1) % tasks.length](s)));
subjects.forEach((s, i) => prompts.push(tasks[(i + 2) % tasks.length](s)));
prompts.push(...extra);
prompts.push(...subjects.map((s) => `In one sentence, what comes to mind when you think of ${s}?`));

const buffer = parquetWriteBuffer({
  columnData: [
    { name: "index", data: BigInt64Array.from(prompts.map((_, i) => BigInt(i))), type: "INT64" },
    { name: "prompt", data: prompts, type: "STRING" },
  ],
});
const out = new URL("../data/sample_prompts.parquet", import.meta.url).pathname;
Deno.writeFileSync(out, new Uint8Array(buffer));
console.log(`${out}: ${prompts.length} prompts`);
