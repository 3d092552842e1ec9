using System.CommandLine;
using Verity.Chain;
using Verity.Cli.Network;

namespace Verity.Cli.Commands;

/// <summary>`verity deploy`: the Verity contracts onto any EVM chain, from the configured account, with the default
/// parameters (docs/PROTOCOL.md); writes the deployment file every daemon and command reads.</summary>
public static class Deploy
{
    public static Command Build(NetworkOptions net)
    {
        var output = new Option<string>("-o", "--output") { Description = "Deployment file to write", Required = true };
        var cmd = net.AddTo(new Command("deploy", "Deploy the Verity contracts (token, registries, staking, market, dispute game) and write the deployment file") { output });
        cmd.SetAction(async (p, ct) => await Cli.RunAsync(async () =>
        {
            var path = p.GetValue(output)!;
            if (File.Exists(path)) throw new ArgumentException($"{path} exists; refusing to overwrite a deployment file");
            var c = net.Read(p);
            var rpc = c.Rpc ?? throw new ArgumentException("no chain endpoint: give --rpc or a --config with \"rpc\"");
            var chain = new ChainClient(rpc);
            long chainId = (long)(await chain.Web3.Eth.ChainId.SendRequestAsync()).Value;
            var owner = NetworkConnection.Sender(chain, c, chainId) ?? throw new ArgumentException("deploy sends transactions: give --account or --keystore");
            long block = (long)(await chain.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value + 1;
            var deployment = await Deployer.DeployAsync(chain, owner, ct: ct);
            new DeploymentFile(deployment, chainId, block).Write(path);
            Console.WriteLine($"deployed to chain {chainId} from {owner}: market {deployment.Market}; wrote {path}");
            return 0;
        }));
        return cmd;
    }
}
