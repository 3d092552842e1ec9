using System.Numerics;
using System.Text;
using Verity.Chain.Provenance;
using Verity.Commitments;

namespace Verity.Chain.Tests.Provenance;

/// <summary>
/// One anvil with the standard deployment (the real dispute game) and a fleet of five simulated devices with four
/// owners, all bound; snapshotted, and restored by <see cref="ResetAsync"/> before each test. The fleet's readings
/// are signed in the tests, so that each can sign what it needs (honest, forged, replayed).
/// </summary>
public sealed class ProvenanceFixture : IAsyncLifetime
{
    public static readonly BigInteger T = Deployer.Token;
    /// <summary>An odd fee, so that every rounding of the royalty split is exercised.</summary>
    public static readonly BigInteger Fee = 3 * T + 12_345;
    public static readonly BigInteger Bond = 10 * T;
    public const ushort ModelClass = 1;

    private string _snapshot = "";

    public AnvilNode Node { get; private set; } = null!;
    public VerityContracts V { get; private set; } = null!;
    public DeviceDomain Domain { get; private set; } = null!;

    public Address Owner => Node.Accounts[0];
    public Address ModelOwner => Node.Accounts[1];
    public Address Builder => Node.Accounts[2];
    /// <summary>Device owners A, B, C, D.</summary>
    public IReadOnlyList<Address> DeviceOwners => [Node.Accounts[3], Node.Accounts[4], Node.Accounts[5], Node.Accounts[6]];
    public IReadOnlyList<Address> Workers => [Node.Accounts[7], Node.Accounts[8], Node.Accounts[9]];
    public Address Requester => Node.Accounts[10];
    public Address Challenger => Node.Accounts[11];
    public Address Stranger => Node.Accounts[12];

    /// <summary>Five devices: A owns 0 and 1, B owns 2, C owns 3, D owns 4.</summary>
    public IReadOnlyList<DeviceKey> Devices { get; } = Enumerable.Range(0, 5).Select(i => DeviceKey.FromSeed("fixture", i)).ToList();
    public Address OwnerOf(int device) => DeviceOwners[device switch { 0 or 1 => 0, 2 => 1, 3 => 2, _ => 3 }];

    public async Task InitializeAsync()
    {
        Node = await AnvilNode.StartAsync(accounts: 20);
        var chain = new ChainClient(Node.RpcUrl);
        V = new VerityContracts(chain, await Deployer.DeployAsync(chain, Owner));
        Domain = await V.DeviceDomainAsync();
        foreach (var a in new[] { ModelOwner, Builder, Requester, Challenger, Stranger }.Concat(Workers))
            await V.TransferAsync(Owner, a, 100_000 * T);
        for (var i = 0; i < Devices.Count; i++)
            await V.BindDeviceAsync(OwnerOf(i), Devices[i]);
        await V.SetMinStakeAsync(ModelClass, 1_000 * T);
        for (var i = 0; i < Workers.Count; i++)
            await V.StakeAsync(Workers[i], (i + 1) * 1_000 * T);
        _snapshot = await Node.SnapshotAsync();
    }

    public async Task ResetAsync() => _snapshot = await Node.RestoreAsync(_snapshot);

    public Task DisposeAsync()
    {
        Node?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary><paramref name="count"/> readings of device <paramref name="device"/> for its owner, sequence 1…count,
    /// signed under <paramref name="domain"/> (default: this deployment's).</summary>
    public IEnumerable<SignedReading> Readings(int device, int count, DeviceDomain? domain = null, int firstSequence = 1) =>
        Enumerable.Range(firstSequence, count).Select(s => Devices[device].SignReading(domain ?? Domain, OwnerOf(device),
            (ulong)s, (ulong)(AnvilNode.GenesisTimestamp + 60 * s), Encoding.UTF8.GetBytes($"{{\"celsius\":{20 + (device * 7 + s) % 9}.{s}}}")));

    /// <summary>The fleet's readings: device i gives <paramref name="counts"/>[i] readings.</summary>
    public IEnumerable<(DataRecord, DeviceDomain?)> Fleet(params int[] counts) =>
        counts.SelectMany((n, i) => Readings(i, n)).Select(r => (r.ToRecord(), (DeviceDomain?)Domain));

    /// <summary>Registers a model citing <paramref name="datasets"/> and has every worker serve it.</summary>
    public async Task<Hash256> ModelAsync(string name, ushort ownerBps, params DatasetShare[] datasets)
    {
        var id = Hash256.Of(Encoding.UTF8.GetBytes(name));
        await V.RegisterModelAsync(ModelOwner, new ModelSpec(id, Hash256.Of(id.ToArray()), 1, ModelClass, ownerBps, Fee, null, datasets));
        foreach (var w in Workers) await V.ServeAsync(w, id);
        return id;
    }

    /// <summary>Requests a job, has its drawn worker post a result, and finalizes it after its windows.</summary>
    public async Task PaidJobAsync(Hash256 model, int n)
    {
        var input = Encoding.UTF8.GetBytes($"job {n}");
        var (job, _) = await V.RequestJobAsync(Requester, model, input, Fee);
        await Node.MineAsync(2);
        var worker = await V.DrawnWorkerAsync(job);
        var result = new JobResult(job, Hash256.Of(input).ToArray(), Hash256.Of([.. "trace:"u8, .. input]));
        await V.SubmitResultAsync(worker, result);
        for (var i = 0; i < 3 && (await V.JobAsync(job)).Status != JobStatus.Finalized; i++)
        {
            var j = await V.JobAsync(job);
            var now = await Node.TimestampAsync();
            if (j.Deadline >= now) await Node.AdvanceAsync(TimeSpan.FromSeconds(j.Deadline - now + 1));
            await V.FinalizeAsync(Stranger, result, TensorCommitment.Root(input), withOutput: false);
        }
        Assert.Equal(JobStatus.Finalized, (await V.JobAsync(job)).Status);
    }

    /// <summary>The market's and the dataset registry's books against the token, to the wei.</summary>
    public async Task AssertBooksExactAsync()
    {
        var (escrow, bonds, owed) = await V.BooksAsync();
        Assert.Equal(escrow + bonds + owed, await V.BalanceOfAsync(V.Deployment.Market));
        Assert.Equal(await V.TotalDatasetBondsAsync(), await V.BalanceOfAsync(V.Deployment.Datasets));
        Assert.Equal(await V.TotalStakedAsync(), await V.BalanceOfAsync(V.Deployment.Staking));
    }
}
