using BenchmarkDotNet.Running;

// Run: dotnet run -c Release --project bench/Verity.Benchmarks -- --filter '*'
// Every benchmark class has a baseline measured in the same run; read the Ratio column.
BenchmarkSwitcher.FromAssembly(typeof(Verity.Benchmarks.CommitmentBenchmarks).Assembly).Run(args);
