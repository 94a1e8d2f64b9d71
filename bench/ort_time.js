// Times one ONNX model with ONNX Runtime's CPU library (the npm package onnxruntime-node):
//   node bench/ort_time.js MODEL.onnx C H W RUNS WARMUP THREADS
// feeds a fixed input of shape [C, H, W] to the model's first input and
// prints {"median_ms": ..., "first_ms": ...} as JSON. bench_vs_pytorch.py runs it with
// NODE_PATH pointing at the node_modules folder onnxruntime-node was installed into.
const ort = require("onnxruntime-node");

async function main() {
  const [path, c, h, w, runs, warmup, threads] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(path, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
  });
  const shape = [Number(c), Number(h), Number(w)];
  const values = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < values.length; ++i) values[i] = Math.sin(i * 0.001);
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", values, shape) };
  const time = async () => {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const first = await time();
  for (let i = 1; i < Number(warmup); ++i) await time();
  const times = [];
  for (let i = 0; i < Number(runs); ++i) times.push(await time());
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  console.log(JSON.stringify({ median_ms: median, first_ms: first }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
