using Nethereum.KeyStore.Model;
using Nethereum.Signer;
using Xunit;

namespace Verity.Chain.Tests;

/// <summary>Keys in Web3 secret-storage files: round trip, wrong password, backup and recovery, and a locally
/// signed transaction accepted by a real anvil.</summary>
public sealed class KeyFileTests(ChainFixture fx) : IClassFixture<ChainFixture>, IDisposable
{
    // Light scrypt parameters keep the tests fast; the files are the same format (the CLI uses the standard N = 2^18).
    private static readonly ScryptParams Light = new() { N = 1024, R = 8, P = 1, Dklen = 32 };
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-keys-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void A_key_file_opens_with_its_password_only_and_is_never_overwritten()
    {
        var path = Path.Combine(_dir, "a.json");
        var address = KeyFile.Create(path, "correct horse", scrypt: Light);
        Assert.Equal(address, Address.Parse(KeyFile.Open(path, "correct horse").GetPublicAddress()));
        var wrong = Assert.Throws<InvalidDataException>(() => KeyFile.Open(path, "battery staple"));
        Assert.Contains(path, wrong.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => KeyFile.Create(path, "other", scrypt: Light));
        Assert.Equal(address, Address.Parse(KeyFile.Open(path, "correct horse").GetPublicAddress()));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void The_exported_raw_key_recovers_the_same_account_under_a_new_password()
    {
        var path = Path.Combine(_dir, "b.json");
        var address = KeyFile.Create(path, "first", scrypt: Light);
        var backup = KeyFile.Export(path, "first");
        var recovered = Path.Combine(_dir, "b-recovered.json");
        Assert.Equal(address, KeyFile.Create(recovered, "second", KeyFile.ParsePrivateKey(backup), Light));
        Assert.Equal(address, Address.Parse(KeyFile.Open(recovered, "second").GetPublicAddress()));
        Assert.Throws<FormatException>(() => KeyFile.ParsePrivateKey("0x1234"));
    }

    [Fact]
    public void A_damaged_file_is_a_clear_error()
    {
        var path = Path.Combine(_dir, "c.json");
        File.WriteAllText(path, "{\"version\": 3, \"crypto\": {}}");
        Assert.Contains("cannot decrypt key file", Assert.Throws<InvalidDataException>(() => KeyFile.Open(path, "x")).Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => KeyFile.Open(Path.Combine(_dir, "missing.json"), "x"));
    }

    [Fact]
    public async Task A_keystore_account_signs_locally_and_the_chain_accepts_its_transactions()
    {
        await fx.ResetAsync();
        var path = Path.Combine(_dir, "d.json");
        KeyFile.Create(path, "pw", scrypt: Light);
        var chain = new ChainClient(fx.Node.RpcUrl);
        var me = chain.AddSigner(KeyFile.Open(path, "pw"), AnvilNode.ChainId);
        // Gas money from an anvil account, tokens from the deployer; the new account is not one anvil holds.
        await fx.Node.RpcAsync("anvil_setBalance", default, me.Hex, "0x56BC75E2D63100000");
        var v = new VerityContracts(chain, fx.V.Deployment);
        await fx.V.TransferAsync(fx.Owner, me, 10 * ChainFixture.T);
        var stranger = fx.Node.Accounts[^1];
        var before = await v.BalanceOfAsync(stranger);
        // Two sends in a row: nonces come from this process, in order.
        await v.TransferAsync(me, stranger, 3 * ChainFixture.T);
        await v.TransferAsync(me, stranger, 4 * ChainFixture.T);
        Assert.Equal(before + 7 * ChainFixture.T, await v.BalanceOfAsync(stranger));
        Assert.Equal(3 * ChainFixture.T, await v.BalanceOfAsync(me));
        Assert.Equal(2, (int)(await chain.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(me.Hex)).Value);
    }
}
