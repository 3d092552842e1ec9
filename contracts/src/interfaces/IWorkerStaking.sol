// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Worker stake, served models and stake-weighted selection
/// @notice Workers lock tokens as stake, announce an endpoint and the models they serve. A worker is *eligible* for
/// a model while its active stake is at least the minimum stake of the model's class. The job market draws workers
/// at random among the eligible servers of a model, each with probability proportional to its active stake
/// ({select}); the random seed is supplied by the caller (see IJobMarket for where it comes from).
///
/// Unstaking is two steps: {requestUnstake} moves stake out of the active stake (it stops counting for selection
/// at once) into a pending amount that {withdrawUnstaked} pays out after `unstakeDelay` seconds. Pending stake is
/// still slashable, and the delay is set longer than a job's challenge window plus its dispute timeout, so a
/// worker cannot run from a result it posted.
///
/// Only slashers (the job market and, later, the dispute game; set by the owner) may {slash}: part of the slashed
/// amount goes to the party named by the slasher (the winner of a dispute), the rest is burned.
/// @dev Money: the contract holds exactly the sum of active and pending stakes (`totalStaked`); every entry point
/// that moves tokens ends by checking `token.balanceOf(this) >= totalStaked`.
interface IWorkerStaking {
    struct Worker {
        uint128 stake; // active: counts for selection
        uint128 unstaking; // pending withdrawal; still slashable
        uint64 unstakeReadyAt;
        string endpoint;
    }

    error ZeroAmount();
    error InsufficientStake(address worker, uint256 requested, uint256 available);
    error UnstakeNotReady(address worker, uint256 readyAt, uint256 nowTs);
    error NothingUnstaking(address worker);
    error NotSlasher(address caller);
    error UnknownModel(bytes32 modelId);
    error AlreadyServing(address worker, bytes32 modelId);
    error NotServing(address worker, bytes32 modelId);
    error TooManyServers(bytes32 modelId, uint256 max);
    error BelowMinStake(address worker, bytes32 modelId, uint256 stake, uint256 minStake);
    error BadBps(uint256 bps);
    error BooksUnbalanced(uint256 balance, uint256 owed);

    event Staked(address indexed worker, uint256 amount, uint256 stake);
    event UnstakeRequested(address indexed worker, uint256 amount, uint256 unstaking, uint256 readyAt);
    event Unstaked(address indexed worker, uint256 amount);
    event EndpointSet(address indexed worker, string endpoint);
    event ServingStarted(address indexed worker, bytes32 indexed modelId);
    event ServingStopped(address indexed worker, bytes32 indexed modelId);
    event MinStakeSet(uint16 indexed modelClass, uint256 minStake);
    event SlasherSet(address indexed slasher, bool allowed);
    event SlashRewardSet(uint256 bps);
    event Slashed(address indexed worker, uint256 amount, address indexed to, uint256 reward, uint256 burned);

    /// @notice Most workers that may serve one model (selection is a linear scan over them).
    function MAX_SERVERS() external view returns (uint256);

    /// @notice Adds `amount` (transferFrom; approve first) to the caller's active stake.
    function stake(uint256 amount) external;

    /// @notice Moves `amount` of active stake to pending; all pending stake becomes withdrawable `unstakeDelay`
    /// seconds from now (a new request restarts the delay for the whole pending amount).
    function requestUnstake(uint256 amount) external;

    /// @notice Pays out all pending stake once its delay has passed.
    function withdrawUnstaked() external;

    function setEndpoint(string calldata endpoint) external;

    /// @notice Starts serving `modelId`; the caller must already hold the model class's minimum stake.
    function serve(bytes32 modelId) external;

    function stopServing(bytes32 modelId) external;

    /// @notice Slasher only. Takes up to `amount` from `worker` (active stake first, then pending), sends
    /// `slashRewardBps` of what was taken to `to` and burns the rest. Returns what was taken.
    function slash(address worker, uint256 amount, address to) external returns (uint256 taken);

    /// @notice Stake-weighted draw among the eligible servers of `modelId`, skipping `exclude`. Deterministic in
    /// `seed` and the current stakes; returns address(0) when nobody is eligible.
    function select(bytes32 modelId, bytes32 seed, address exclude) external view returns (address);

    /// @notice Whether `worker` serves `modelId` and holds the class's minimum active stake.
    function isEligible(address worker, bytes32 modelId) external view returns (bool);

    function serversOf(bytes32 modelId) external view returns (address[] memory);
    function modelsOf(address worker) external view returns (bytes32[] memory);
    function workerOf(address worker) external view returns (Worker memory);
    /// @notice Active plus pending stake: what a slash can reach.
    function slashableOf(address worker) external view returns (uint256);
    /// @notice Seconds between {requestUnstake} and {withdrawUnstaked}.
    function unstakeDelay() external view returns (uint256);
    function totalStaked() external view returns (uint256);
}
