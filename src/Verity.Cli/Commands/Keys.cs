using System.CommandLine;
using Verity.Chain;

namespace Verity.Cli.Commands;

/// <summary>`verity key new|address|export|import`: keys in Web3 secret-storage files (docs/NODE.md, Keys).</summary>
public static class Keys
{
    public static Command Build()
    {
        var key = new Command("key", "Create, inspect, back up and restore account keys (Web3 secret-storage files)");
        var file = new Argument<string>("keystore") { Description = "Key file (JSON, Web3 secret storage v3)" };
        var password = new Option<string>("--password-file") { Description = "File whose first line is the password", Required = true };
        var privateKey = new Option<string>("--private-key-file") { Description = "File holding the raw private key (0x + 64 hex digits)", Required = true };

        var create = new Command("new", "Create a new random key and write it encrypted") { file, password };
        create.SetAction(p => Cli.Run(() =>
        {
            var address = KeyFile.Create(p.GetValue(file)!, KeyFile.ReadPassword(p.GetValue(password)!));
            Console.WriteLine(address);
            return 0;
        }));
        var address = new Command("address", "Print the key's address (decrypts it, so it also checks the password)") { file, password };
        address.SetAction(p => Cli.Run(() =>
        {
            Console.WriteLine(Address.Parse(KeyFile.Open(p.GetValue(file)!, KeyFile.ReadPassword(p.GetValue(password)!)).GetPublicAddress()));
            return 0;
        }));
        var export = new Command("export", "Print the raw private key, for an offline backup") { file, password };
        export.SetAction(p => Cli.Run(() =>
        {
            Console.WriteLine(KeyFile.Export(p.GetValue(file)!, KeyFile.ReadPassword(p.GetValue(password)!)));
            return 0;
        }));
        var import = new Command("import", "Recover: write a new key file from a backed-up raw private key, under a new password") { file, password, privateKey };
        import.SetAction(p => Cli.Run(() =>
        {
            var path = p.GetValue(privateKey)!;
            if (!File.Exists(path)) throw new FileNotFoundException($"private key file {path} not found", path);
            var k = KeyFile.ParsePrivateKey(File.ReadAllText(path));
            Console.WriteLine(KeyFile.Create(p.GetValue(file)!, KeyFile.ReadPassword(p.GetValue(password)!), k));
            return 0;
        }));
        foreach (var c in new[] { create, address, export, import })
            key.Subcommands.Add(c);
        return key;
    }
}
