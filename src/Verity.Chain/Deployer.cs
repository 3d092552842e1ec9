using System.Numerics;
using Verity.Chain.Generated.DatasetRegistry;
using Verity.Chain.Generated.DeviceRegistry;
using Verity.Chain.Generated.DisputeGame;
using Verity.Chain.Generated.OneStepVerifier;
using Verity.Chain.Generated.JobMarket;
using Verity.Chain.Generated.ModelRegistry;
using Verity.Chain.Generated.VerityToken;
using Verity.Chain.Generated.WorkerStaking;

namespace Verity.Chain;

/// <summary>The job market's parameters (see IJobMarket.Params): seconds, basis points and token amounts.</summary>
public sealed record MarketParams(
    uint ResultTimeout,
    uint ChallengeWindow,
    uint AuditWindow,
    uint DisputeTimeout,
    ushort AuditBps,
    ushort ValidatorBps,
    ushort SlashBps,
    BigInteger ChallengeBond,
    BigInteger AuditReward)
{
    /// <summary>Defaults for a local chain: 10 min to deliver, 1 h challenge window, 2 h audit window,
    /// 1 day dispute timeout, p = 5%, 5% to the validator pool, half the stake slashed.</summary>
    public static MarketParams Default { get; } = new(600, 3600, 7200, 86400, 500, 500, 5000,
        100 * Deployer.Token, 1 * Deployer.Token);

    internal static MarketParams FromAbi(Params p) => new((uint)p.ResultTimeout, (uint)p.ChallengeWindow, (uint)p.AuditWindow,
        (uint)p.DisputeTimeout, (ushort)p.AuditBps, (ushort)p.ValidatorBps, (ushort)p.SlashBps, p.ChallengeBond, p.AuditReward);

    internal Params ToAbi() => new()
    {
        ResultTimeout = ResultTimeout, ChallengeWindow = ChallengeWindow, AuditWindow = AuditWindow,
        DisputeTimeout = DisputeTimeout, AuditBps = AuditBps, ValidatorBps = ValidatorBps, SlashBps = SlashBps,
        ChallengeBond = ChallengeBond, AuditReward = AuditReward,
    };
}

/// <summary>What to deploy with.</summary>
public sealed record DeploymentOptions
{
    /// <summary>The fixed token supply, minted to the deployer.</summary>
    public BigInteger Supply { get; init; } = 1_000_000_000 * Deployer.Token;
    /// <summary>Seconds between an unstake request and its withdrawal; must exceed challenge window + audit window
    /// + dispute timeout.</summary>
    public ulong UnstakeDelay { get; init; } = 7 * 86400;
    /// <summary>Share of a slash (a worker's stake or a dataset's bond) that goes to the winner (the rest is burned).</summary>
    public ushort SlashRewardBps { get; init; } = 5000;
    public BigInteger MinDatasetBond { get; init; } = 10 * Deployer.Token;
    public ulong DatasetBondLockPeriod { get; init; } = 14 * 86400;
    /// <summary>What a failed dataset challenge costs the challenger (paid to the dataset's owner).</summary>
    public BigInteger DatasetChallengeBond { get; init; } = 1 * Deployer.Token;
    public MarketParams Market { get; init; } = MarketParams.Default;
    /// <summary>Seconds each party of a dispute has per move in the deployed <c>DisputeGame</c>. A dispute takes at
    /// most about 2·(log₂ ops + log₂ chunks) + 4 moves; their sum must stay inside the market's dispute timeout.</summary>
    public ulong MoveTime { get; init; } = 600;
    /// <summary>A dispute game to use instead of deploying <c>DisputeGame</c> with its <c>OneStepVerifier</c> (tests
    /// stand a manual one in its place).</summary>
    public Address? DisputeGame { get; init; }
}

/// <summary>Addresses of one deployment of the Verity contracts.</summary>
/// <remarks><see cref="DisputeGame"/> is the game the market was wired to (the deployed <c>DisputeGame</c>, or the
/// one passed in the options).</remarks>
public sealed record Deployment(Address Owner, Address Token, Address Datasets, Address Models, Address Staking,
    Address Market, Address Devices, Address DisputeGame = default);

/// <summary>Deploys the Verity contracts to any EVM chain and wires them: token → registries → staking → market,
/// then makes the market a slasher of staking and sets the dispute game.</summary>
public static class Deployer
{
    /// <summary>One token (18 decimals) in its smallest unit.</summary>
    public static readonly BigInteger Token = BigInteger.Pow(10, 18);

    public static async Task<Deployment> DeployAsync(ChainClient chain, Address owner, DeploymentOptions? options = null,
        ContractArtifacts? artifacts = null, CancellationToken ct = default)
    {
        options ??= new DeploymentOptions();
        artifacts ??= ContractArtifacts.Locate();
        string Code(string name) => artifacts.Load(name).Bytecode;

        var (token, _) = await chain.DeployAsync(new VerityTokenDeployment(Code("VerityToken"))
        {
            Holder = owner.Hex, Supply = options.Supply,
        }, owner, ct).ConfigureAwait(false);
        var (devices, _) = await chain.DeployAsync(new DeviceRegistryDeployment(Code("DeviceRegistry")), owner, ct)
            .ConfigureAwait(false);
        var (datasets, _) = await chain.DeployAsync(new DatasetRegistryDeployment(Code("DatasetRegistry"))
        {
            Token = token.Hex, Devices = devices.Hex, MinBond = options.MinDatasetBond,
            BondLockPeriod = options.DatasetBondLockPeriod, ChallengeBond = options.DatasetChallengeBond,
            SlashRewardBps = options.SlashRewardBps, Owner = owner.Hex,
        }, owner, ct).ConfigureAwait(false);
        var (models, _) = await chain.DeployAsync(new ModelRegistryDeployment(Code("ModelRegistry"))
        {
            Datasets = datasets.Hex,
        }, owner, ct).ConfigureAwait(false);
        var (staking, _) = await chain.DeployAsync(new WorkerStakingDeployment(Code("WorkerStaking"))
        {
            Token = token.Hex, Models = models.Hex, UnstakeDelay = options.UnstakeDelay,
            SlashRewardBps = options.SlashRewardBps, Owner = owner.Hex,
        }, owner, ct).ConfigureAwait(false);
        var (market, _) = await chain.DeployAsync(new JobMarketDeployment(Code("JobMarket"))
        {
            Token = token.Hex, Staking = staking.Hex, Models = models.Hex, Datasets = datasets.Hex,
            Params = options.Market.ToAbi(), Owner = owner.Hex,
        }, owner, ct).ConfigureAwait(false);

        await chain.SendAsync(staking, new SetSlasherFunction { Slasher = market.Hex, Allowed = true }, owner, ct: ct)
            .ConfigureAwait(false);
        var game = options.DisputeGame ?? await DeployGameAsync(chain, owner, market, models, options.MoveTime, artifacts, ct)
            .ConfigureAwait(false);
        await chain.SendAsync(market, new SetDisputeGameFunction { Game = game.Hex }, owner, ct: ct).ConfigureAwait(false);
        return new Deployment(owner, token, datasets, models, staking, market, devices, game);
    }

    /// <summary>Deploys a <c>OneStepVerifier</c> and a <c>DisputeGame</c> that uses it for <paramref name="market"/>.</summary>
    public static async Task<Address> DeployGameAsync(ChainClient chain, Address owner, Address market, Address models,
        ulong moveTime, ContractArtifacts? artifacts = null, CancellationToken ct = default)
    {
        artifacts ??= ContractArtifacts.Locate();
        var (verifier, _) = await chain.DeployAsync(new OneStepVerifierDeployment(artifacts.Load("OneStepVerifier").Bytecode), owner, ct)
            .ConfigureAwait(false);
        var (game, _) = await chain.DeployAsync(new DisputeGameDeployment(artifacts.Load("DisputeGame").Bytecode)
        {
            Market = market.Hex, Models = models.Hex, Verifier = verifier.Hex, MoveTime = moveTime,
        }, owner, ct).ConfigureAwait(false);
        return game;
    }
}
