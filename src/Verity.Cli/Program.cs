using System.CommandLine;
using Verity.Cli;
using Verity.Cli.Commands;
using Verity.Cli.Models;

var root = new RootCommand("Verity: verifiable AI inference. Compile ONNX models to bit-exact integer models and run them.");

var jsonOpt = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };

// verity compile
var onnxArg = new Argument<string>("model.onnx") { Description = "ONNX model to compile" };
var calibOpt = new Option<string>("--calibrate") { Description = "Calibration inputs: a text file (one sentence per line) or a folder of images", Required = true };
var outOpt = new Option<string>("-o", "--output") { Description = "Output .vmodel file", Required = true };
var nameOpt = new Option<string?>("--name") { Description = "Model name recorded in the artifact (default: file name)" };
var compile = new Command("compile", "Calibrate and quantize an ONNX model into a .vmodel integer artifact") { onnxArg, calibOpt, outOpt, nameOpt };
compile.SetAction(p => Cli.Run(() => CompileCommand.Run(p.GetValue(onnxArg)!, p.GetValue(calibOpt)!, p.GetValue(outOpt)!, p.GetValue(nameOpt))));
root.Subcommands.Add(compile);

// verity infer (--local, or through the network), verify, jobs, gateway
var net = new Verity.Cli.Network.NetworkOptions();
root.Subcommands.Add(Requester.Infer(net));
root.Subcommands.Add(Requester.Verify(net));
root.Subcommands.Add(Requester.Jobs(net));
root.Subcommands.Add(GatewayCommand.Build(net));

// verity bench …
var bench = new Command("bench", "Measure accuracy and speed against ONNX Runtime fp32, in the same run");
var benchModelOpt = new Option<string>("--model") { Description = "minilm or resnet18 (or a .vmodel)", Required = true };
var textsOpt = new Option<string?>("--texts") { Description = "File of sentences, one per line" };
var imagesOpt = new Option<string?>("--images") { Description = "Folder of images" };
var accuracy = new Command("accuracy", "Cosine similarity of Verity's outputs to ONNX Runtime fp32") { benchModelOpt, textsOpt, imagesOpt, jsonOpt };
accuracy.SetAction(p => Cli.Run(() => BenchAccuracy.Run(p.GetValue(benchModelOpt)!, p.GetValue(textsOpt), p.GetValue(imagesOpt), p.GetValue(jsonOpt))));
var itersOpt = new Option<int>("--iterations") { Description = "Timed runs per case", DefaultValueFactory = _ => 20 };
var engine = new Command("engine", "Median latency of Verity vs ONNX Runtime fp32 per model and thread count, and trace cost") { jsonOpt, itersOpt };
engine.SetAction(p => Cli.Run(() => BenchEngine.Run(p.GetValue(jsonOpt), p.GetValue(itersOpt))));
var writeDocOpt = new Option<bool>("--write-doc") { Description = "Also rewrite docs/GAS.md from this run" };
var gas = new Command("gas", "Deploy to a fresh anvil and measure gas: one job, per job in a batch of 32, and a complete dispute") { jsonOpt, writeDocOpt };
gas.SetAction(async (p, ct) => await Cli.RunAsync(async () =>
{
    var report = await Verity.Chain.GasBench.RunAsync(Console.Error, ct, dispute: Verity.Cli.Disputes.MiniLmDispute.Instance.LayerNormCheat());
    Console.WriteLine(p.GetValue(jsonOpt) ? report.ToJson() : report.ToText());
    if (p.GetValue(writeDocOpt)) Console.Error.WriteLine($"wrote {Verity.Chain.GasBench.WriteDoc(report)}");
    return 0;
}));
bench.Subcommands.Add(gas);
var benchJobsOpt = new Option<int>("--jobs") { Description = "Jobs per run", DefaultValueFactory = _ => 40 };
var network = new Command("network", "Jobs through a live devnet, request to finalization, batching on and off: jobs/s, p50/p95 latency, gas per job") { benchJobsOpt, jsonOpt };
network.SetAction(async (p, ct) => await Cli.RunAsync(() => BenchNetwork.RunAsync(p.GetValue(benchJobsOpt), p.GetValue(jsonOpt), ct)));
bench.Subcommands.Add(network);
bench.Subcommands.Add(accuracy);
bench.Subcommands.Add(engine);
bench.Subcommands.Add(BenchGateway.Build());
root.Subcommands.Add(bench);

// the network: keys, daemons
root.Subcommands.Add(Keys.Build());
root.Subcommands.Add(Deploy.Build(net));
root.Subcommands.Add(Daemons.Worker(net));
root.Subcommands.Add(Daemons.Validator(net));
root.Subcommands.Add(ProvenanceCommands.Device(net));
root.Subcommands.Add(ProvenanceCommands.Data(net));
root.Subcommands.Add(LineageCommands.Model(net));
root.Subcommands.Add(LineageCommands.Royalties(net));

// verity demo: the network; verity tour: the engine alone
var jobsOpt = new Option<int>("--jobs") { Description = "Jobs to stream", DefaultValueFactory = _ => 30 };
var cheatOpt = new Option<string?>("--cheat") { Description = "Strategy of the dishonest worker: random-output, reused-output, different-model, skipped-layers, wrong-trace, changed-element (default changed-element; none for all honest)", DefaultValueFactory = _ => "changed-element" };
var keepOpt = new Option<bool>("--keep-running") { Description = "Keep the devnet running after the summary (Ctrl-C stops it)" };
var explorerPortOpt = new Option<int>("--explorer-port") { Description = "Serve the web explorer over the devnet on this loopback port while the demo runs (0: none)", DefaultValueFactory = _ => 5080 };
var demo = new Command("demo", "The whole network on this machine: anvil, contracts, both real models, three workers (one dishonest), audits, a validator, a stream of jobs; ends with a summary") { jobsOpt, cheatOpt, keepOpt, explorerPortOpt, jsonOpt };
demo.SetAction(async (p, ct) => await Cli.RunAsync(() => NetworkDemo.RunAsync(p.GetValue(jobsOpt), p.GetValue(cheatOpt), p.GetValue(keepOpt), p.GetValue(jsonOpt), ct, p.GetValue(explorerPortOpt))));
root.Subcommands.Add(demo);
var tour = new Command("tour", "The engine alone: both real models, commitments, bit-exactness, a located forgery") { jsonOpt };
tour.SetAction(p => Cli.Run(() => Tour.Run(p.GetValue(jsonOpt))));
root.Subcommands.Add(tour);

root.Subcommands.Add(ExplorerCommand.Create(net)); // verity explorer

return root.Parse(args).Invoke();
