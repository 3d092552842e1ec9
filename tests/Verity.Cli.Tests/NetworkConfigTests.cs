using Verity.Cli.Network;
using Verity.Node;
using Xunit;

namespace Verity.Cli.Tests;

/// <summary>One set of keys for every daemon: a file, flags on top, clear errors for anything wrong.</summary>
public sealed class NetworkConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, string json)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void A_config_file_reads_every_key_and_resolves_paths_against_its_folder()
    {
        var c = NetworkConfig.Read(Write("w.json", """
            { "rpc": "http://10.0.0.5:8545", "deployment": "deployment.json", "keystore": "keys/w.json", "password_file": "pw.txt",
              "confirmations": 3, "store": "w.db", "models": ["minilm", "0xabc"], "artifacts": "https://models.example/a",
              "inputs": ["shared/inputs", "http://gateway.example:8080/v1/inputs"], "poll_ms": 500, "max_batch": 8, "stake": 1500.5, "cheat": "random-output" }
            """));
        Assert.Equal(new Uri("http://10.0.0.5:8545"), c.Rpc);
        Assert.Equal(Path.Combine(_dir, "deployment.json"), c.Deployment);
        Assert.Equal(Path.Combine(_dir, "keys", "w.json"), c.Keystore);
        Assert.Equal(Path.Combine(_dir, "pw.txt"), c.PasswordFile);
        Assert.Equal(3, c.Confirmations);
        Assert.Equal(Path.Combine(_dir, "w.db"), c.Store);
        Assert.Equal(["minilm", "0xabc"], c.Models);
        Assert.Equal("https://models.example/a", c.Artifacts);
        Assert.Equal([Path.Combine(_dir, "shared", "inputs"), "http://gateway.example:8080/v1/inputs"], c.Inputs);
        Assert.Equal((500, 8, 1500.5m, "random-output"), (c.PollMs, c.MaxBatch, c.Stake, c.Cheat));

        // Written and read back: the same settings.
        var again = Path.Combine(_dir, "again.json");
        c.Write(again);
        Assert.Equal(c with { Models = [], Inputs = [] }, NetworkConfig.Read(again) with { Models = [], Inputs = [] });
        Assert.Equal(c.Models, NetworkConfig.Read(again).Models);
        Assert.Equal(c.Inputs, NetworkConfig.Read(again).Inputs);
        Assert.Equal(["http://one/v1/inputs"], NetworkConfig.Read(Write("one.json", """{ "inputs": "http://one/v1/inputs" }""")).Inputs);
    }

    [Theory]
    [InlineData("""{ "rpcc": "http://x" }""", "unknown key \"rpcc\"")]
    [InlineData("""{ "confirmations": "two" }""", "\"confirmations\" has the wrong type")]
    [InlineData("""{ "rpc": "ftp://x" }""", "rpc must be an http(s) URL")]
    [InlineData("""{ "rpc": "ws://127.0.0.1:8545" }""", "is a WebSocket endpoint; give the node's HTTP JSON-RPC URL")]
    [InlineData("""{ "inputs": [5] }""", "\"inputs\" has the wrong type")]
    [InlineData("""[1, 2]""", "not a JSON object")]
    [InlineData("""{ "rpc": """, "not JSON")]
    public void A_bad_config_file_is_an_error_naming_what_is_wrong(string json, string expected)
    {
        var e = Record.Exception(() => NetworkConfig.Read(Write("bad.json", json)));
        Assert.True(e is InvalidDataException or ArgumentException, e?.GetType().Name);
        Assert.Contains(expected, e!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "worker", "--rpc", "http://127.0.0.1:9", "--deployment", "/nonexistent/deployment.json", "--store", "x.db", "--model", "minilm" }, 2, "deployment file /nonexistent/deployment.json not found")]
    [InlineData(new[] { "worker", "--rpc", "http://127.0.0.1:9", "--deployment", "/nonexistent/d.json", "--model", "minilm" }, 2, "the worker needs a store")]
    [InlineData(new[] { "worker", "--cheat", "lazy", "--store", "x.db" }, 2, "unknown cheat strategy 'lazy'")]
    [InlineData(new[] { "validator", "--store", "x.db" }, 2, "no chain endpoint")]
    [InlineData(new[] { "validator", "--store", "x.db", "--inputs", "ftp://x/inputs" }, 2, "content source 'ftp://x/inputs': only folders and http(s) URLs")]
    [InlineData(new[] { "demo", "--jobs", "0" }, 2, "--jobs must be at least 1")]
    public void Daemon_commands_refuse_bad_settings_with_one_line(string[] args, int code, string expected)
    {
        var (exit, _, err) = Repo.Verity(args);
        Assert.Equal(code, exit);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_chain_is_an_error_not_a_stack_trace()
    {
        var deployment = Path.Combine(_dir, "deployment.json");
        new Verity.Chain.DeploymentFile(new Verity.Chain.Deployment(default, default, default, default, default, default, default, default), 31337, 0).Write(deployment);
        var (exit, _, err) = Repo.Verity("validator", "--rpc", "http://127.0.0.1:9", "--deployment", deployment, "--store", Path.Combine(_dir, "v.db"), "--model", "minilm");
        Assert.Equal(1, exit);
        Assert.Contains("cannot reach the chain at http://127.0.0.1:9", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("random-output", CheatStrategy.RandomOutput)]
    [InlineData("changed-element", CheatStrategy.ChangedElement)]
    [InlineData("skipped-layers", CheatStrategy.SkippedLayers)]
    public void Strategy_names_round_trip(string name, CheatStrategy s)
    {
        Assert.Equal(s, Execution.Parse(name));
        Assert.Equal(name, Execution.Name(s));
    }
}
