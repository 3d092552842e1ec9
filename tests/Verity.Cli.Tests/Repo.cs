using System.Diagnostics;
using Verity.Cli.Models;

namespace Verity.Cli.Tests;

/// <summary>Paths and helpers shared by the CLI tests: the checkout, its cache, and running the real verity program.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static ModelStore Store { get; } = new(ModelFiles.Default(), _ => { });

    public static string TestImages => Path.Combine(Store.Files.ImagesDir, "test");

    public static string Data(string name) => Path.Combine(Root, "tests", "data", name);

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Verity.sln"))) return d.FullName;
        throw new InvalidOperationException("tests must run inside the Verity checkout");
    }

    /// <summary>Runs the verity program (built next to the tests) and returns exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Verity(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "verity.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"verity {string.Join(" ", args)} did not finish in 5 minutes"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
