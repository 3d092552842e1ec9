// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title The job market: escrow, assignment, results, audits, challenges, finalization and payouts
/// @notice Life of a job (docs/PROTOCOL.md has the full table):
///
///   requestJob ──► Requested ──(seed block mined; assign / first submitResult)──► Assigned
///   Assigned ──submitResult(s) by the assigned worker before `deadline`──► Committed
///   Requested|Assigned ──expire after `deadline`──► Requested again (one reassignment, new seed, previous worker
///                                                  excluded) or Refunded (after the second attempt)
///   Committed ──challenge (bond) before `deadline`──► Challenged ──resolveDispute(worker right)──► Committed
///                                                                (bond to the worker, a fresh challenge window)
///                                                   Challenged ──resolveDispute(worker wrong)──► worker slashed,
///                                                                bond back; Requested again or Refunded
///                                                   Challenged ──expireDispute after `disputeTimeout`──► Refunded
///   Committed ──finalize after `deadline` (audit settled and clear, or audited)──► Finalized (fee split paid)
///
/// Randomness. The worker of an assignment is drawn by WorkerStaking.select with the seed
/// `keccak256(blockhash(seedBlock), jobId, attempt)`, where `seedBlock` is the block after the request (or after
/// the reassignment): nobody knows it when the request is sent. Whether a result is audited is decided by
/// `blockhash(resultBlock + 1)`, unknown when the result is posted. Both are settled lazily by whoever calls next
/// (`assign`, `submitResult`, `settleAudit`, `finalize`). Limits: a block producer can withhold a block to re-roll
/// its hash (it forgoes the block reward to do so), and the EVM only serves the last 256 block hashes: an
/// assignment not settled within 256 blocks cannot be settled and the job waits for its deadline and is
/// reassigned; an audit whose seed was lost is treated as selected (waiting cannot dodge an audit).
/// Selection uses stakes at the moment it is settled.
///
/// Money. Fees are escrowed at request; challenge bonds are held while a dispute is open; payouts are credited to
/// pull balances (`owedTo`, withdrawn with {withdraw}), to the validator pool, and to per-model royalty pots that
/// {distributeRoyalties} splits by lineage into the owner's balance and per-dataset pools, which
/// {distributeDataset} splits among contributors. (Two lazy steps keep finalization at a fixed cost whatever the
/// lineage.) Every entry point that moves money ends by checking
/// `token.balanceOf(market) >= escrow + bonds + owed` (owed includes the pools).
interface IJobMarket {
    enum Status {
        None,
        Requested, // waiting for its seed block / for someone to settle the draw
        Assigned, // worker drawn, result due by `deadline`
        Committed, // result posted; challenge window open until `deadline`
        Challenged, // frozen while the dispute game runs; `deadline` is the dispute timeout
        Finalized,
        Refunded
    }

    enum Audit {
        Unsettled,
        Clear, // not selected
        Selected, // selected: an auditor was drawn and the window extended
        Confirmed // the auditor confirmed the result (earns the audit reward at finalization)
    }

    /// @dev A job as {jobOf} shows it. In storage it takes three slots, two of them packed: the model, fee and
    /// royalty share sit in a shared, never-changing terms entry that the job names by a 32-bit index. `data` holds
    /// the input root (the tensor root of the input bytes, docs/COMMITMENTS.md) until a result is posted, then the result commitment
    /// `keccak256(abi.encode(inputRoot, outputHash, traceRoot))`, which binds the result to its input (one slot
    /// updated per result instead of a fresh one).
    struct Job {
        address requester;
        Status status;
        uint8 attempt; // 1, or 2 after the one reassignment
        Audit audit;
        bool callback; // the requester had code when it requested: it is called back at finalization
        uint32 deadline; // unix seconds (until 2106); meaning depends on the status (see above)
        uint32 blockNumber; // Requested/Assigned: the seed block; Committed and later: the result block
        address worker; // Requested: the worker excluded from the draw (or 0); later: the assigned worker
        uint80 fee;
        uint16 royaltyBps; // the model's lineage share, fixed at request with the fee
        bytes32 modelId;
        bytes32 data; // the input root (tensor root of the input bytes) until a result; then the result commitment
    }

    struct Params {
        uint32 resultTimeout; // seconds from (re)assignment to the result deadline
        uint32 challengeWindow; // seconds after a result (or a won defence) in which anyone may challenge
        uint32 auditWindow; // seconds the window is extended to when a result is selected for audit
        uint32 disputeTimeout; // seconds a dispute may stay open before anyone may expire it
        uint16 auditBps; // audit probability p, in basis points
        uint16 validatorBps; // validator pool's share of every fee (at most 3,000)
        uint16 slashBps; // share of the worker's slashable stake taken when it loses a dispute
        uint96 challengeBond;
        uint96 auditReward; // paid from the validator pool to an auditor that confirmed a result
    }

    struct Challenge {
        address challenger;
        uint96 bond;
        bytes32 inputRoot; // restored into the job if it is reassigned
    }

    error WrongStatus(uint256 jobId, Status status);
    error FeeAboveMax(bytes32 modelId, uint256 fee, uint256 maxFee);
    error NotAssignedWorker(uint256 jobId, address caller, address worker);
    error DeadlinePassed(uint256 jobId, uint256 deadline, uint256 nowTs);
    error DeadlineNotReached(uint256 jobId, uint256 deadline, uint256 nowTs);
    error SeedNotAvailable(uint256 jobId, uint256 seedBlock, uint256 currentBlock);
    error NoEligibleWorker(uint256 jobId, bytes32 modelId);
    error ResultMismatch(uint256 jobId, bytes32 committed, bytes32 given);
    error NotDisputeGame(address caller, address game);
    error DisputeGameNotSet();
    error DisputesOpen(uint256 count);
    error NotAuditor(uint256 jobId, address caller, address auditor);
    error NotSelectedForAudit(uint256 jobId, Audit audit);
    error CannotChallengeOwnResult(uint256 jobId, address worker);
    error NothingToWithdraw(address account);
    error NothingToDistribute(bytes32 id);
    error InsufficientGasForCallback(uint256 available, uint256 required);
    error LengthMismatch(uint256 jobIds, uint256 outputs, uint256 traceRoots);
    error ParamOutOfRange(bytes32 name, uint256 value, uint256 limit);
    error BooksUnbalanced(uint256 balance, uint256 owed);

    /// @dev The draw's seed block is the request's block + 1; the result deadline its timestamp + resultTimeout.
    /// `inputRoot` is the tensor root of `input` (docs/COMMITMENTS.md), computed by the market.
    event JobRequested(uint256 indexed jobId, bytes32 indexed modelId, address indexed requester, uint256 fee,
        bytes32 inputRoot, bytes input);
    event JobAssigned(uint256 indexed jobId, address indexed worker, uint256 attempt);
    event ResultSubmitted(uint256 indexed jobId, address indexed worker, bytes32 outputHash, bytes32 traceRoot,
        uint256 challengeDeadline, bytes output);
    event JobReassigned(uint256 indexed jobId, address indexed excluded, uint256 attempt, uint256 seedBlock,
        uint256 deadline);
    event JobRefunded(uint256 indexed jobId, address indexed requester, uint256 fee);
    event AuditSelected(uint256 indexed jobId, address indexed auditor, uint256 deadline);
    event AuditConfirmed(uint256 indexed jobId, address indexed auditor);
    event JobChallenged(uint256 indexed jobId, address indexed challenger, uint256 bond, uint256 disputeDeadline);
    event DisputeResolved(uint256 indexed jobId, bool workerWasRight, address indexed worker,
        address indexed challenger, uint256 bond, uint256 slashed);
    event DisputeExpired(uint256 indexed jobId, address indexed challenger, uint256 bond);
    event JobFinalized(uint256 indexed jobId, address indexed worker, uint256 fee, uint256 workerCut,
        uint256 royaltyCut, uint256 validatorCut);
    event ConsumerCalled(uint256 indexed jobId, address indexed consumer, bool ok);
    event RoyaltiesDistributed(bytes32 indexed modelId, uint256 amount, uint256 ownerCut);
    event DatasetDistributed(bytes32 indexed datasetId, uint256 amount);
    /// @notice The pool of an invalidated dataset went to the validator pool instead of its contributors.
    event DatasetRoyaltiesForfeited(bytes32 indexed datasetId, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event ParamsChanged(Params params);
    event DisputeGameChanged(address indexed game);

    /// @notice Gas given to an IVerityConsumer callback.
    function CALLBACK_GAS() external view returns (uint256);
    /// @notice Assignments a job gets before it is refunded (the first plus one reassignment).
    function MAX_ATTEMPTS() external view returns (uint256);

    /// @notice Requests a job: escrows the model's current fee (transferFrom; approve the market first) and emits
    /// the input bytes with their tensor root (docs/COMMITMENTS.md), which the job commits to. Reverts `FeeAboveMax`
    /// if the fee is above `maxFee`.
    function requestJob(bytes32 modelId, bytes calldata input, uint256 maxFee) external returns (uint256 jobId);

    /// @notice {requestJob} for an input served off-chain (DESIGN D4: an image is too large for calldata at a sane
    /// price): the job commits to `inputRoot`, the tensor root of the input bytes, and `JobRequested` carries it with
    /// an empty `input`. Workers, auditors and challengers fetch the bytes from the requester (or each other) and
    /// check them against the root; the dispute game proves the chunks it reads against it. A requester that never
    /// serves its input gets no result, like any job no worker answers.
    function requestJobByRoot(bytes32 modelId, bytes32 inputRoot, uint256 maxFee) external returns (uint256 jobId);

    /// @notice {requestJob} with an EIP-2612 permit for the fee, in one transaction. A failed permit (for example
    /// one already used by a front-runner) is ignored; the transfer then needs an allowance as usual.
    function requestJobWithPermit(bytes32 modelId, bytes calldata input, uint256 maxFee, uint256 permitDeadline,
        uint8 v, bytes32 r, bytes32 s) external returns (uint256 jobId);

    /// @notice Settles the draw of a Requested job once its seed block is mined (anyone may call).
    function assign(uint256 jobId) external returns (address worker);

    /// @notice The worker a Requested job would get now (address(0) if the seed is not available or nobody is
    /// eligible), or the assigned worker.
    function drawnWorker(uint256 jobId) external view returns (address);

    /// @notice Posts a result: only the assigned (or, if not yet settled, the drawn) worker, before the deadline.
    function submitResult(uint256 jobId, bytes calldata output, bytes32 traceRoot) external;

    /// @notice Posts many results in one transaction; all-or-nothing.
    function submitResults(uint256[] calldata jobIds, bytes[] calldata outputs, bytes32[] calldata traceRoots)
        external;

    /// @notice After a result deadline passed without a result: reassigns the job once (excluding the worker who
    /// failed), then refunds the requester. Anyone may call.
    function expire(uint256 jobId) external;

    /// @notice Decides, from `blockhash(resultBlock + 1)`, whether a committed result is audited. Anyone may call
    /// once that block is mined. Returns whether it was selected.
    function settleAudit(uint256 jobId) external returns (bool selected);

    /// @notice The drawn auditor confirms it re-executed the job and got the same result.
    function confirmAudit(uint256 jobId) external;

    /// @notice Challenges a committed result before its deadline, posting `challengeBond` (transferFrom), and opens
    /// a dispute in the configured dispute game. `inputRoot` (from JobRequested), `outputHash` and `traceRoot`
    /// (from ResultSubmitted) must match the job's result commitment.
    function challenge(uint256 jobId, bytes32 inputRoot, bytes32 outputHash, bytes32 traceRoot) external;

    /// @notice Dispute game only: ends the dispute of `jobId`. Worker right: the bond goes to the worker and the
    /// job gets a fresh challenge window. Worker wrong: the bond returns to the challenger, the worker is slashed
    /// `slashBps` of its slashable stake (the challenger gets staking's reward share, the rest is burned) and the
    /// job is reassigned (or refunded if it was already reassigned once).
    function resolveDispute(uint256 jobId, bool workerWasRight) external;

    /// @notice Safety valve against a dispute game that never answers: after `disputeTimeout` anyone may end the
    /// dispute; the requester is refunded and the bond returned, nobody is slashed or paid.
    function expireDispute(uint256 jobId) external;

    /// @notice Finalizes a committed job after its deadline; anyone may call. Settles the audit first: if that
    /// selects the job, the window is extended and the call returns false without paying. Otherwise splits the fee:
    /// `royaltyCut = fee * royaltyBps / 10,000` to the model's royalty pot (split later by {distributeRoyalties}),
    /// `validatorCut = fee * validatorBps / 10,000` to the validator pool, the rest (rounding dust included) to
    /// the worker's pull balance; pays the audit reward out of the pool if the audit was confirmed; and, if the
    /// requester is a contract, calls it back (IVerityConsumer) with the output. Only then are `inputRoot`,
    /// `output` and `traceRoot` needed (they must match the result commitment); for an account requester pass
    /// empty values.
    function finalize(uint256 jobId, bytes32 inputRoot, bytes calldata output, bytes32 traceRoot)
        external returns (bool finalized);

    /// @notice Splits a model's royalty pot P by its lineage: the owner `P * ownerBps / royaltyBps`, each dataset's
    /// pool `P * bps / royaltyBps` (rounded down; the dust to the owner). The cut of a dataset that a challenge has
    /// invalidated (IDatasetRegistry.isValid) goes to the validator pool instead. Anyone may call.
    function distributeRoyalties(bytes32 modelId) external;

    /// @notice Splits a dataset's pool among its contributors by their shares (rounded down; the dust to the
    /// first contributor). The pool of an invalidated dataset goes to the validator pool. Anyone may call.
    function distributeDataset(bytes32 datasetId) external;

    /// @notice Pays the caller everything owed to it.
    function withdraw() external returns (uint256 amount);

    function jobOf(uint256 jobId) external view returns (Job memory);
    function challengeOf(uint256 jobId) external view returns (Challenge memory);
    function auditorOf(uint256 jobId) external view returns (address);
    function owedTo(address account) external view returns (uint256);
    function datasetPool(bytes32 datasetId) external view returns (uint256);
    function royaltyPot(bytes32 modelId) external view returns (uint256);
    function validatorPool() external view returns (uint256);
    function params() external view returns (Params memory);
    function jobCount() external view returns (uint256);
    /// @notice Disputes opened and not yet resolved or expired.
    function openDisputes() external view returns (uint64);
    /// @notice The market's books: fees in escrow, bonds held, and everything owed (balances and pools).
    function books() external view returns (uint256 escrow, uint256 bonds, uint256 owed);
}
