// Child process of gpu-check: opens one graph on WebGPU with ONNX Runtime's verbose log, which lists the nodes
// each execution provider got; the parent counts those placed on the CPU (gpu_check.ts).
import { loadOrt } from "../deno/ort_runtime.ts";
import { microGraphs } from "./gpu_check_graphs.ts";

export interface Placement {
  /** Nodes per execution provider, e.g. {WebGpuExecutionProvider: 109, CPUExecutionProvider: 139}. */
  nodes: Record<string, number>;
  /** CPU nodes by op type, e.g. {LSTM: 2, Mod: 10}. */
  cpuOps: Record<string, number>;
}

/** Reads ONNX Runtime's "Node(s) placed on [EP]. Number of nodes: N" blocks (session_state.cc). */
export function parsePlacement(log: string): Placement {
  const nodes: Record<string, number> = {}, cpuOps: Record<string, number> = {};
  let current = "";
  for (const line of log.split("\n")) {
    const head = line.match(/(?:All nodes placed on|Node\(s\) placed on) \[(\w+)\]\. Number of nodes: (\d+)/);
    if (head) {
      current = head[1];
      nodes[current] = Number(head[2]);
      continue;
    }
    const node = line.match(/VerifyEachNodeIsAssignedToAnEp\]\s+(\w+) \(/);
    if (node && current === "CPUExecutionProvider") cpuOps[node[1]] = (cpuOps[node[1]] ?? 0) + 1;
    else if (!node) current = line.includes("VerifyEachNodeIsAssignedToAnEp") ? current : "";
  }
  return { nodes, cpuOps };
}

if (import.meta.main) {
  const name = Deno.args[0];
  const graph = microGraphs()[name];
  if (!graph) throw new Error(`no graph ${name}; known: ${Object.keys(microGraphs()).join(", ")}`);
  const rt = await loadOrt("webgpu");
  if (rt.provider !== "webgpu") throw new Error(`no WebGPU here: ${rt.description}`);
  const ort = await import("onnxruntime-web/webgpu");
  ort.env.logLevel = "verbose";
  const session = await rt.createSession(graph, { logSeverityLevel: 0, logVerbosityLevel: 0 });
  await session.release();
}
