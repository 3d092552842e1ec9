// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IWorkerStaking} from "./interfaces/IWorkerStaking.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";
import {IDisputeGame} from "./interfaces/IDisputeGame.sol";
import {IVerityConsumer} from "./interfaces/IVerityConsumer.sol";
import {Chunks} from "./onestep/Chunks.sol";

/// @notice See {IJobMarket}.
contract JobMarket is IJobMarket, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 public constant CALLBACK_GAS = 100_000;
    uint256 public constant MAX_ATTEMPTS = 2;
    uint256 private constant MAX_VALIDATOR_BPS = 3_000; // with ModelRegistry's 7,000 cap the cuts never exceed the fee

    IERC20 public immutable token;
    IWorkerStaking public immutable staking;
    IModelRegistry public immutable models;
    IDatasetRegistry public immutable datasets;

    address public disputeGame;
    Params private _params;

    // Two slots of counters and books (2^96 wei is 79 billion tokens, above any supply): the job counter, escrowed
    // fees and everything owed (pull balances and pools, the validator pool included); then the bonds held, the
    // validator pool and the number of open disputes.
    uint64 private _jobCount;
    uint96 private _escrow;
    uint96 private _owed;
    uint96 private _bonds;
    uint96 private _validatorPool;
    uint64 public openDisputes;

    // A job in storage: three slots, two of them packed (IJobMarket.Job is the view of it). The model, the fee and
    // the royalty share sit in a shared terms entry that the job names by a 32-bit index in its second slot, so a
    // request writes no fresh slot for them (a 32-byte model id of its own would cost a fresh slot per job).
    struct StoredJob {
        address requester;
        Status status;
        uint8 attempt;
        Audit audit;
        bool callback;
        uint32 deadline;
        uint32 blockNumber;
        address worker;
        uint32 terms; // key in _terms
        bytes32 data;
    }

    // What a job was requested at: written once, never changed. A model gets a new entry when it is first
    // requested and whenever its fee changes; `_latestTerms` names the model's newest entry, with a copy of its
    // fee and share so that a request checks it against the registry in one storage read.
    struct Terms {
        bytes32 modelId;
        uint80 fee; // ModelRegistry stores fees as uint80
        uint16 royaltyBps; // <= 7,000
    }

    struct LatestTerms {
        uint32 terms; // 0: the model was never requested
        uint80 fee;
        uint16 royaltyBps;
    }

    mapping(uint256 => StoredJob) private _jobs;
    mapping(uint32 => Terms) private _terms;
    mapping(bytes32 => LatestTerms) private _latestTerms;
    uint32 private _termsCount;
    mapping(uint256 => Challenge) private _challenges;
    mapping(uint256 => address) public auditorOf;
    mapping(address => uint256) public owedTo;
    mapping(bytes32 => uint256) public datasetPool;
    mapping(bytes32 => uint256) public royaltyPot;

    constructor(IERC20 token_, IWorkerStaking staking_, IModelRegistry models_, IDatasetRegistry datasets_,
        Params memory params_, address owner_) Ownable(owner_) {
        token = token_;
        staking = staking_;
        models = models_;
        datasets = datasets_;
        _setParams(params_);
    }

    // ---- governance ----

    function setParams(Params calldata p) external onlyOwner {
        _setParams(p);
    }

    /// @notice Sets the dispute game; only while no dispute is open (a running dispute keeps its game).
    function setDisputeGame(address game) external onlyOwner {
        if (openDisputes != 0) revert DisputesOpen(openDisputes);
        disputeGame = game;
        emit DisputeGameChanged(game);
    }

    function _setParams(Params memory p) private {
        if (p.validatorBps > MAX_VALIDATOR_BPS) revert ParamOutOfRange("validatorBps", p.validatorBps, MAX_VALIDATOR_BPS);
        if (p.auditBps > 10_000) revert ParamOutOfRange("auditBps", p.auditBps, 10_000);
        if (p.slashBps > 10_000) revert ParamOutOfRange("slashBps", p.slashBps, 10_000);
        if (p.resultTimeout == 0) revert ParamOutOfRange("resultTimeout", 0, 1);
        if (p.challengeWindow == 0) revert ParamOutOfRange("challengeWindow", 0, 1);
        // A worker must not be able to withdraw its stake before a result it posted can no longer be disputed.
        uint256 exposure = uint256(p.challengeWindow) + p.auditWindow + p.disputeTimeout;
        uint256 delay = staking.unstakeDelay();
        if (exposure >= delay) revert ParamOutOfRange("window+audit+dispute", exposure, delay);
        _params = p;
        emit ParamsChanged(p);
    }

    // ---- request ----

    /// @inheritdoc IJobMarket
    function requestJob(bytes32 modelId, bytes calldata input, uint256 maxFee) external nonReentrant returns (uint256) {
        return _request(modelId, Chunks.rootOf(input), input, maxFee);
    }

    /// @inheritdoc IJobMarket
    function requestJobByRoot(bytes32 modelId, bytes32 inputRoot, uint256 maxFee) external nonReentrant returns (uint256) {
        return _request(modelId, inputRoot, msg.data[0:0], maxFee);
    }

    /// @inheritdoc IJobMarket
    function requestJobWithPermit(bytes32 modelId, bytes calldata input, uint256 maxFee, uint256 permitDeadline,
        uint8 v, bytes32 r, bytes32 s) external nonReentrant returns (uint256) {
        try IERC20Permit(address(token)).permit(msg.sender, address(this), maxFee, permitDeadline, v, r, s) {} catch {}
        return _request(modelId, Chunks.rootOf(input), input, maxFee);
    }

    /// @dev `inputRoot` is the tensor root of the input (docs/COMMITMENTS.md): computed from `input` here, or given
    /// by the requester with `input` empty (served off-chain).
    function _request(bytes32 modelId, bytes32 inputRoot, bytes calldata input, uint256 maxFee)
        private returns (uint256 jobId)
    {
        (uint256 fee, uint256 royaltyBps) = models.termsOf(modelId); // reverts UnknownModel(modelId)
        if (fee > maxFee) revert FeeAboveMax(modelId, fee, maxFee);
        jobId = ++_jobCount;
        uint256 deadline = block.timestamp + _params.resultTimeout;
        StoredJob storage j = _jobs[jobId];
        j.requester = msg.sender;
        j.status = Status.Requested;
        j.attempt = 1;
        j.deadline = uint32(deadline);
        j.blockNumber = uint32(block.number + 1);
        j.callback = msg.sender.code.length != 0; // (a contract calling from its constructor has no code yet)
        j.terms = _termsFor(modelId, fee, royaltyBps);
        j.data = inputRoot;
        _escrow += uint96(fee);
        token.safeTransferFrom(msg.sender, address(this), fee);
        emit JobRequested(jobId, modelId, msg.sender, fee, inputRoot, input);
        _checkBooks();
    }

    /// @dev The key of the terms entry for (modelId, fee, royaltyBps), adding one if the model's newest differs.
    function _termsFor(bytes32 modelId, uint256 fee, uint256 royaltyBps) private returns (uint32 t) {
        LatestTerms memory latest = _latestTerms[modelId];
        if (latest.terms != 0 && latest.fee == fee && latest.royaltyBps == royaltyBps) return latest.terms;
        t = ++_termsCount; // checked: reverts after 2^32 - 1 entries (a fee change each), never in practice
        _terms[t] = Terms(modelId, uint80(fee), uint16(royaltyBps));
        _latestTerms[modelId] = LatestTerms(t, uint80(fee), uint16(royaltyBps));
    }

    function _modelOf(StoredJob storage j) private view returns (bytes32) {
        return _terms[j.terms].modelId;
    }

    // ---- assignment ----

    /// @inheritdoc IJobMarket
    function assign(uint256 jobId) external nonReentrant returns (address) {
        StoredJob storage j = _jobs[jobId];
        if (j.status != Status.Requested) revert WrongStatus(jobId, j.status);
        return _assign(j, jobId);
    }

    /// @inheritdoc IJobMarket
    function drawnWorker(uint256 jobId) external view returns (address) {
        StoredJob storage j = _jobs[jobId];
        if (j.status != Status.Requested) return j.status == Status.None ? address(0) : j.worker;
        (bytes32 seed, bool ok) = _assignmentSeed(j, jobId);
        return ok ? staking.select(_modelOf(j), seed, j.worker) : address(0);
    }

    function _assignmentSeed(StoredJob storage j, uint256 jobId) private view returns (bytes32, bool) {
        uint256 b = j.blockNumber;
        if (block.number <= b) return (0, false);
        bytes32 h = blockhash(b);
        if (h == 0) return (0, false); // older than 256 blocks: lost; the job waits for its deadline
        return (keccak256(abi.encode(h, jobId, j.attempt)), true);
    }

    function _assign(StoredJob storage j, uint256 jobId) private returns (address w) {
        (bytes32 seed, bool ok) = _assignmentSeed(j, jobId);
        if (!ok) revert SeedNotAvailable(jobId, j.blockNumber, block.number);
        bytes32 modelId = _modelOf(j);
        w = staking.select(modelId, seed, j.worker);
        if (w == address(0)) revert NoEligibleWorker(jobId, modelId);
        j.worker = w;
        j.status = Status.Assigned;
        emit JobAssigned(jobId, w, j.attempt);
    }

    // ---- results ----

    /// @inheritdoc IJobMarket
    function submitResult(uint256 jobId, bytes calldata output, bytes32 traceRoot) external nonReentrant {
        _submit(jobId, output, traceRoot, _params.challengeWindow);
    }

    /// @inheritdoc IJobMarket
    function submitResults(uint256[] calldata jobIds, bytes[] calldata outputs, bytes32[] calldata traceRoots)
        external nonReentrant {
        uint256 n = jobIds.length;
        if (outputs.length != n || traceRoots.length != n) {
            revert LengthMismatch(n, outputs.length, traceRoots.length);
        }
        uint256 window = _params.challengeWindow;
        for (uint256 i; i < n; ++i) {
            _submit(jobIds[i], outputs[i], traceRoots[i], window);
        }
    }

    function _submit(uint256 jobId, bytes calldata output, bytes32 traceRoot, uint256 window) private {
        StoredJob storage j = _jobs[jobId];
        Status s = j.status;
        address w;
        if (s == Status.Assigned) w = j.worker;
        else if (s == Status.Requested) w = _assign(j, jobId);
        else revert WrongStatus(jobId, s);
        if (msg.sender != w) revert NotAssignedWorker(jobId, msg.sender, w);
        if (block.timestamp >= j.deadline) revert DeadlinePassed(jobId, j.deadline, block.timestamp);
        bytes32 outputHash = sha256(output);
        uint256 deadline = block.timestamp + window;
        j.status = Status.Committed;
        j.deadline = uint32(deadline);
        j.blockNumber = uint32(block.number);
        j.data = keccak256(abi.encode(j.data, outputHash, traceRoot)); // data was the input root
        emit ResultSubmitted(jobId, w, outputHash, traceRoot, deadline, output);
    }

    // ---- deadlines ----

    /// @inheritdoc IJobMarket
    function expire(uint256 jobId) external nonReentrant {
        StoredJob storage j = _jobs[jobId];
        Status s = j.status;
        if (s != Status.Requested && s != Status.Assigned) revert WrongStatus(jobId, s);
        if (block.timestamp < j.deadline) revert DeadlineNotReached(jobId, j.deadline, block.timestamp);
        if (s == Status.Requested) {
            // The drawn worker never delivered (or the draw was never settled): exclude it if it can be known.
            (bytes32 seed, bool ok) = _assignmentSeed(j, jobId);
            if (ok) {
                address drawn = staking.select(_modelOf(j), seed, j.worker);
                if (drawn != address(0)) j.worker = drawn;
            }
        }
        _reassignOrRefund(j, jobId);
        _checkBooks();
    }

    function _reassignOrRefund(StoredJob storage j, uint256 jobId) private {
        if (j.attempt < MAX_ATTEMPTS) {
            uint256 deadline = block.timestamp + _params.resultTimeout;
            j.attempt += 1;
            j.status = Status.Requested;
            j.deadline = uint32(deadline);
            j.blockNumber = uint32(block.number + 1);
            j.audit = Audit.Unsettled;
            emit JobReassigned(jobId, j.worker, j.attempt, block.number + 1, deadline);
        } else {
            uint256 fee = _terms[j.terms].fee;
            j.status = Status.Refunded;
            _escrow -= uint96(fee);
            _owed += uint96(fee);
            owedTo[j.requester] += fee;
            emit JobRefunded(jobId, j.requester, fee);
        }
    }

    // ---- audits ----

    /// @inheritdoc IJobMarket
    function settleAudit(uint256 jobId) external nonReentrant returns (bool) {
        StoredJob storage j = _jobs[jobId];
        if (j.status != Status.Committed) revert WrongStatus(jobId, j.status);
        if (j.audit != Audit.Unsettled) revert NotSelectedForAudit(jobId, j.audit);
        return _settleAudit(j, jobId);
    }

    function _settleAudit(StoredJob storage j, uint256 jobId) private returns (bool selected) {
        uint256 b = uint256(j.blockNumber) + 1;
        if (block.number <= b) revert SeedNotAvailable(jobId, b, block.number);
        uint256 p = _params.auditBps;
        bytes32 h = blockhash(b);
        bytes32 seed;
        if (h == 0) {
            selected = p != 0; // the seed is lost: audit, so that waiting 256 blocks cannot dodge an audit
            seed = blockhash(block.number - 1);
        } else {
            seed = keccak256(abi.encode(h, jobId));
            selected = uint256(seed) % 10_000 < p;
        }
        if (!selected) {
            j.audit = Audit.Clear;
            return false;
        }
        address auditor = staking.select(_modelOf(j), keccak256(abi.encode(seed, "audit")), j.worker);
        auditorOf[jobId] = auditor;
        j.audit = Audit.Selected;
        uint256 until = block.timestamp + _params.auditWindow;
        if (until > j.deadline) j.deadline = uint32(until);
        emit AuditSelected(jobId, auditor, j.deadline);
    }

    /// @inheritdoc IJobMarket
    function confirmAudit(uint256 jobId) external nonReentrant {
        StoredJob storage j = _jobs[jobId];
        if (j.status != Status.Committed) revert WrongStatus(jobId, j.status);
        if (j.audit != Audit.Selected) revert NotSelectedForAudit(jobId, j.audit);
        address auditor = auditorOf[jobId];
        if (msg.sender != auditor) revert NotAuditor(jobId, msg.sender, auditor);
        if (block.timestamp >= j.deadline) revert DeadlinePassed(jobId, j.deadline, block.timestamp);
        j.audit = Audit.Confirmed;
        emit AuditConfirmed(jobId, auditor);
    }

    // ---- challenges and disputes ----

    /// @inheritdoc IJobMarket
    function challenge(uint256 jobId, bytes32 inputRoot, bytes32 outputHash, bytes32 traceRoot) external nonReentrant {
        address game = disputeGame;
        if (game == address(0)) revert DisputeGameNotSet();
        StoredJob storage j = _jobs[jobId];
        if (j.status != Status.Committed) revert WrongStatus(jobId, j.status);
        if (block.timestamp >= j.deadline) revert DeadlinePassed(jobId, j.deadline, block.timestamp);
        bytes32 given = keccak256(abi.encode(inputRoot, outputHash, traceRoot));
        if (given != j.data) revert ResultMismatch(jobId, j.data, given);
        address worker = j.worker;
        if (msg.sender == worker) revert CannotChallengeOwnResult(jobId, worker);

        uint96 bond = _params.challengeBond;
        uint256 until = block.timestamp + _params.disputeTimeout;
        j.status = Status.Challenged;
        j.deadline = uint32(until);
        _challenges[jobId] = Challenge(msg.sender, bond, inputRoot);
        _bonds += bond; // bond is a uint96 parameter
        openDisputes += 1;
        token.safeTransferFrom(msg.sender, address(this), bond);
        emit JobChallenged(jobId, msg.sender, bond, until);
        IDisputeGame(game).openDispute(jobId, worker, msg.sender, _modelOf(j), inputRoot, outputHash, traceRoot);
        _checkBooks();
    }

    /// @inheritdoc IJobMarket
    function resolveDispute(uint256 jobId, bool workerWasRight) external nonReentrant {
        if (msg.sender != disputeGame) revert NotDisputeGame(msg.sender, disputeGame);
        StoredJob storage j = _jobs[jobId];
        if (j.status != Status.Challenged) revert WrongStatus(jobId, j.status);
        Challenge memory c = _endDispute(jobId);
        address worker = j.worker;
        uint256 slashed;
        if (workerWasRight) {
            _credit(worker, c.bond);
            j.status = Status.Committed;
            j.deadline = uint32(block.timestamp + _params.challengeWindow);
        } else {
            _credit(c.challenger, c.bond);
            uint256 amount = staking.slashableOf(worker) * _params.slashBps / 10_000;
            slashed = staking.slash(worker, amount, c.challenger);
            j.data = c.inputRoot; // the next worker commits against the input again
            _reassignOrRefund(j, jobId);
        }
        emit DisputeResolved(jobId, workerWasRight, worker, c.challenger, c.bond, slashed);
        _checkBooks();
    }

    /// @inheritdoc IJobMarket
    function expireDispute(uint256 jobId) external nonReentrant {
        StoredJob storage j = _jobs[jobId];
        if (j.status != Status.Challenged) revert WrongStatus(jobId, j.status);
        if (block.timestamp < j.deadline) revert DeadlineNotReached(jobId, j.deadline, block.timestamp);
        Challenge memory c = _endDispute(jobId);
        _credit(c.challenger, c.bond);
        uint256 fee = _terms[j.terms].fee;
        j.status = Status.Refunded;
        _escrow -= uint96(fee);
        _owed += uint96(fee);
        owedTo[j.requester] += fee;
        emit DisputeExpired(jobId, c.challenger, c.bond);
        emit JobRefunded(jobId, j.requester, fee);
        _checkBooks();
    }

    /// @dev Releases the held bond into the owed books (the caller credits it to someone) and closes the dispute.
    function _endDispute(uint256 jobId) private returns (Challenge memory c) {
        c = _challenges[jobId];
        delete _challenges[jobId];
        _bonds -= c.bond;
        openDisputes -= 1;
    }

    // ---- finalization ----

    /// @inheritdoc IJobMarket
    function finalize(uint256 jobId, bytes32 inputRoot, bytes calldata output, bytes32 traceRoot)
        external nonReentrant returns (bool) {
        StoredJob storage j = _jobs[jobId];
        if (j.status != Status.Committed) revert WrongStatus(jobId, j.status);
        if (block.timestamp < j.deadline) revert DeadlineNotReached(jobId, j.deadline, block.timestamp);
        if (j.audit == Audit.Unsettled && _settleAudit(j, jobId)) return false; // audited: window extended
        j.status = Status.Finalized;
        _payOut(j, jobId);
        if (j.callback) _callBack(j, jobId, inputRoot, output, traceRoot);
        _checkBooks();
        return true;
    }

    function _payOut(StoredJob storage j, uint256 jobId) private {
        Terms storage t = _terms[j.terms];
        uint256 fee = t.fee;
        Params storage p = _params;
        // royaltyBps <= 7,000 (ModelRegistry) and validatorBps <= 3,000, each cut rounded down: no underflow
        uint256 royaltyCut = fee * t.royaltyBps / 10_000;
        uint256 validatorCut = fee * p.validatorBps / 10_000;
        uint256 workerCut = fee - royaltyCut - validatorCut;
        address worker = j.worker;
        if (royaltyCut != 0) royaltyPot[t.modelId] += royaltyCut;
        owedTo[worker] += workerCut;
        uint256 pool = _validatorPool + validatorCut;
        if (j.audit == Audit.Confirmed) {
            uint256 reward = p.auditReward;
            if (reward > pool) reward = pool;
            pool -= reward;
            owedTo[auditorOf[jobId]] += reward;
        }
        _validatorPool = uint96(pool); // pool <= _owed, a uint96
        _escrow -= uint96(fee);
        _owed += uint96(fee);
        emit JobFinalized(jobId, worker, fee, workerCut, royaltyCut, validatorCut);
    }

    function _callBack(StoredJob storage j, uint256 jobId, bytes32 inputRoot, bytes calldata output, bytes32 traceRoot)
        private {
        address consumer = j.requester;
        bytes32 given = keccak256(abi.encode(inputRoot, sha256(output), traceRoot));
        if (given != j.data) revert ResultMismatch(jobId, j.data, given);
        // EIP-150 passes at most 63/64 of what is left: make sure the consumer really gets CALLBACK_GAS, so a
        // finalizer cannot starve the callback on purpose.
        uint256 required = CALLBACK_GAS + CALLBACK_GAS / 63 + 10_000;
        if (gasleft() < required) revert InsufficientGasForCallback(gasleft(), required);
        bool ok;
        try IVerityConsumer(consumer).onVerityResult{gas: CALLBACK_GAS}(jobId, _modelOf(j), output, traceRoot) {
            ok = true;
        } catch {}
        emit ConsumerCalled(jobId, consumer, ok);
    }

    // ---- payouts ----

    /// @inheritdoc IJobMarket
    function distributeRoyalties(bytes32 modelId) external nonReentrant {
        uint256 amount = royaltyPot[modelId];
        if (amount == 0) revert NothingToDistribute(modelId);
        royaltyPot[modelId] = 0;
        (address owner, uint16 ownerBps, IModelRegistry.DatasetShare[] memory ds) = models.splitOf(modelId);
        uint256 total = ownerBps; // royaltyBps, recomputed from the parts
        for (uint256 i; i < ds.length; ++i) total += ds[i].bps;
        uint256 paid;
        uint256 forfeited;
        for (uint256 i; i < ds.length; ++i) {
            uint256 cut = amount * ds[i].bps / total;
            // An invalidated dataset earns nothing: its cut goes to the validator pool (IDatasetRegistry).
            if (datasets.isValid(ds[i].datasetId)) datasetPool[ds[i].datasetId] += cut;
            else forfeited += cut;
            paid += cut;
        }
        uint256 ownerCut = amount - paid; // ownerBps share plus the rounding dust; paid <= amount as bps sum to total
        owedTo[owner] += ownerCut;
        if (forfeited != 0) _validatorPool += uint96(forfeited); // <= amount, already in _owed (a uint96): no truncation
        emit RoyaltiesDistributed(modelId, amount, ownerCut);
        _checkBooks();
    }

    /// @inheritdoc IJobMarket
    function distributeDataset(bytes32 datasetId) external nonReentrant {
        uint256 amount = datasetPool[datasetId];
        if (amount == 0) revert NothingToDistribute(datasetId);
        datasetPool[datasetId] = 0;
        if (!datasets.isValid(datasetId)) {
            _validatorPool += uint96(amount); // pools are part of _owed: moving one to another keeps the books
            emit DatasetRoyaltiesForfeited(datasetId, amount);
            _checkBooks();
            return;
        }
        (address[] memory contributors, uint16[] memory shares) = datasets.contributorsOf(datasetId);
        uint256 paid;
        for (uint256 i = 1; i < contributors.length; ++i) {
            uint256 cut = amount * shares[i] / 10_000;
            owedTo[contributors[i]] += cut;
            paid += cut;
        }
        owedTo[contributors[0]] += amount - paid; // shares sum to 10,000, so paid <= amount
        emit DatasetDistributed(datasetId, amount);
        _checkBooks();
    }

    /// @inheritdoc IJobMarket
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = owedTo[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        owedTo[msg.sender] = 0;
        _owed -= uint96(amount);
        token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
        _checkBooks();
    }

    function _credit(address account, uint256 amount) private {
        owedTo[account] += amount;
        _owed += uint96(amount);
    }

    // ---- views ----

    function jobOf(uint256 jobId) external view returns (Job memory) {
        StoredJob storage j = _jobs[jobId];
        Terms storage t = _terms[j.terms];
        return Job(j.requester, j.status, j.attempt, j.audit, j.callback, j.deadline, j.blockNumber, j.worker, t.fee,
            t.royaltyBps, t.modelId, j.data);
    }

    function challengeOf(uint256 jobId) external view returns (Challenge memory) {
        return _challenges[jobId];
    }

    function params() external view returns (Params memory) {
        return _params;
    }

    function validatorPool() external view returns (uint256) {
        return _validatorPool;
    }

    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    function books() external view returns (uint256, uint256, uint256) {
        return (_escrow, _bonds, _owed);
    }

    function _checkBooks() private view {
        uint256 owed = uint256(_escrow) + _bonds + _owed;
        uint256 balance = token.balanceOf(address(this));
        if (balance < owed) revert BooksUnbalanced(balance, owed);
    }
}
