// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IWorkerStaking} from "./interfaces/IWorkerStaking.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IVerityToken} from "./interfaces/IVerityToken.sol";

/// @notice See {IWorkerStaking}.
contract WorkerStaking is IWorkerStaking, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_SERVERS = 64;

    IVerityToken public immutable token;
    IModelRegistry public immutable models;
    uint256 public immutable unstakeDelay;

    uint256 public totalStaked;
    uint256 public slashRewardBps;
    mapping(uint16 modelClass => uint256) public minStake;
    mapping(address => bool) public isSlasher;

    // The draw reads one slot per server: every worker gets a number (at its first stake or serve), and
    // `_accounts[number]` packs its address with its active stake; a model's pool holds its class and server count
    // in one slot and its servers' numbers, eight to a slot, after it. (IWorkerStaking.Worker is the view.)
    struct Account {
        address worker;
        uint96 stake; // active; 2^96 wei is 79 billion tokens, above any supply (stake() reverts past it)
    }

    struct WorkerState {
        uint32 number; // key in _accounts; 0 = none yet
        uint128 unstaking;
        uint64 unstakeReadyAt;
        string endpoint;
    }

    struct Pool {
        uint16 modelClass; // cached at serve: a model's class never changes
        uint8 count; // <= MAX_SERVERS
        uint32[MAX_SERVERS] members; // worker numbers; the first `count` are the servers
    }

    uint32 private _workerCount;
    mapping(address => WorkerState) private _workers;
    mapping(uint32 number => Account) private _accounts; // _accounts[0] stays empty: stake 0, address 0
    mapping(bytes32 modelId => Pool) private _pools;
    mapping(address => bytes32[]) private _modelsOf;
    mapping(address => mapping(bytes32 => uint256)) private _serverIndex; // index + 1 in the model's pool; 0 = not

    constructor(IVerityToken token_, IModelRegistry models_, uint256 unstakeDelay_, uint256 slashRewardBps_,
        address owner_) Ownable(owner_) {
        if (slashRewardBps_ > 10_000) revert BadBps(slashRewardBps_);
        token = token_;
        models = models_;
        unstakeDelay = unstakeDelay_;
        slashRewardBps = slashRewardBps_;
    }

    // ---- governance ----

    function setMinStake(uint16 modelClass, uint256 amount) external onlyOwner {
        minStake[modelClass] = amount;
        emit MinStakeSet(modelClass, amount);
    }

    function setSlasher(address slasher, bool allowed) external onlyOwner {
        isSlasher[slasher] = allowed;
        emit SlasherSet(slasher, allowed);
    }

    function setSlashRewardBps(uint256 bps) external onlyOwner {
        if (bps > 10_000) revert BadBps(bps);
        slashRewardBps = bps;
        emit SlashRewardSet(bps);
    }

    // ---- stake ----

    /// @inheritdoc IWorkerStaking
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Account storage a = _accounts[_numberOf(msg.sender)];
        a.stake += SafeCast.toUint96(amount); // checked add: reverts past 2^96, above any supply
        totalStaked += amount;
        IERC20(address(token)).safeTransferFrom(msg.sender, address(this), amount);
        emit Staked(msg.sender, amount, a.stake);
        _checkBooks();
    }

    /// @inheritdoc IWorkerStaking
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        WorkerState storage w = _workers[msg.sender];
        Account storage a = _accounts[w.number];
        uint256 active = a.stake;
        if (amount > active) revert InsufficientStake(msg.sender, amount, active);
        a.stake = uint96(active - amount); // amount <= active: no underflow (and a worker without number has none)
        w.unstaking += uint128(amount); // amount < 2^96
        uint256 readyAt = block.timestamp + unstakeDelay;
        w.unstakeReadyAt = uint64(readyAt);
        emit UnstakeRequested(msg.sender, amount, w.unstaking, readyAt);
    }

    /// @inheritdoc IWorkerStaking
    function withdrawUnstaked() external nonReentrant {
        WorkerState storage w = _workers[msg.sender];
        uint256 amount = w.unstaking;
        if (amount == 0) revert NothingUnstaking(msg.sender);
        if (block.timestamp < w.unstakeReadyAt) revert UnstakeNotReady(msg.sender, w.unstakeReadyAt, block.timestamp);
        w.unstaking = 0;
        totalStaked -= amount;
        IERC20(address(token)).safeTransfer(msg.sender, amount);
        emit Unstaked(msg.sender, amount);
        _checkBooks();
    }

    function setEndpoint(string calldata endpoint) external {
        _workers[msg.sender].endpoint = endpoint;
        emit EndpointSet(msg.sender, endpoint);
    }

    // ---- serving ----

    /// @inheritdoc IWorkerStaking
    function serve(bytes32 modelId) external {
        if (!models.exists(modelId)) revert UnknownModel(modelId);
        if (_serverIndex[msg.sender][modelId] != 0) revert AlreadyServing(msg.sender, modelId);
        Pool storage pool = _pools[modelId];
        uint256 count = pool.count;
        if (count >= MAX_SERVERS) revert TooManyServers(modelId, MAX_SERVERS);
        uint16 cls = models.classOf(modelId);
        pool.modelClass = cls;
        uint32 number = _numberOf(msg.sender);
        uint256 have = _accounts[number].stake;
        if (have < minStake[cls]) revert BelowMinStake(msg.sender, modelId, have, minStake[cls]);
        pool.members[count] = number;
        pool.count = uint8(count + 1); // <= MAX_SERVERS
        _serverIndex[msg.sender][modelId] = count + 1;
        _modelsOf[msg.sender].push(modelId);
        emit ServingStarted(msg.sender, modelId);
    }

    /// @inheritdoc IWorkerStaking
    function stopServing(bytes32 modelId) external {
        uint256 idx = _serverIndex[msg.sender][modelId];
        if (idx == 0) revert NotServing(msg.sender, modelId);
        Pool storage pool = _pools[modelId];
        uint256 last = pool.count - 1; // the caller serves: count >= 1
        uint32 moved = pool.members[last];
        pool.members[idx - 1] = moved;
        _serverIndex[_accounts[moved].worker][modelId] = idx;
        pool.members[last] = 0;
        pool.count = uint8(last);
        delete _serverIndex[msg.sender][modelId];
        bytes32[] storage mine = _modelsOf[msg.sender];
        for (uint256 i; i < mine.length; ++i) {
            if (mine[i] == modelId) {
                mine[i] = mine[mine.length - 1];
                mine.pop();
                break;
            }
        }
        emit ServingStopped(msg.sender, modelId);
    }

    // ---- slashing ----

    /// @inheritdoc IWorkerStaking
    function slash(address worker, uint256 amount, address to) external nonReentrant returns (uint256 taken) {
        if (!isSlasher[msg.sender]) revert NotSlasher(msg.sender);
        WorkerState storage w = _workers[worker];
        Account storage a = _accounts[w.number];
        uint256 active = a.stake;
        uint256 fromActive = amount < active ? amount : active;
        a.stake = uint96(active - fromActive); // fromActive <= active
        uint256 rest = amount - fromActive;
        uint256 fromPending = rest < w.unstaking ? rest : w.unstaking;
        w.unstaking -= uint128(fromPending);
        taken = fromActive + fromPending;
        totalStaked -= taken;
        uint256 reward = taken * slashRewardBps / 10_000;
        uint256 burnt = taken - reward;
        if (reward != 0) IERC20(address(token)).safeTransfer(to, reward);
        if (burnt != 0) token.burn(burnt);
        emit Slashed(worker, taken, to, reward, burnt);
        _checkBooks();
    }

    // ---- selection ----

    /// @inheritdoc IWorkerStaking
    function select(bytes32 modelId, bytes32 seed, address exclude) external view returns (address) {
        Pool storage pool = _pools[modelId];
        uint256 n = pool.count;
        uint256 floor = minStake[pool.modelClass];
        uint256 total;
        for (uint256 i; i < n; ++i) {
            Account memory a = _accounts[pool.members[i]];
            if (a.worker != exclude && a.stake >= floor) total += a.stake;
        }
        if (total == 0) return address(0);
        uint256 r = uint256(keccak256(abi.encode(seed, modelId))) % total;
        for (uint256 i; i < n; ++i) {
            Account memory a = _accounts[pool.members[i]];
            if (a.worker == exclude || a.stake < floor) continue;
            if (r < a.stake) return a.worker;
            r -= a.stake;
        }
        return address(0); // unreachable: r < total
    }

    function isEligible(address worker, bytes32 modelId) external view returns (bool) {
        return _serverIndex[worker][modelId] != 0 && _stakeOf(worker) >= minStake[_pools[modelId].modelClass];
    }

    function serversOf(bytes32 modelId) external view returns (address[] memory) {
        Pool storage pool = _pools[modelId];
        address[] memory servers = new address[](pool.count);
        for (uint256 i; i < servers.length; ++i) servers[i] = _accounts[pool.members[i]].worker;
        return servers;
    }

    function modelsOf(address worker) external view returns (bytes32[] memory) {
        return _modelsOf[worker];
    }

    function workerOf(address worker) external view returns (Worker memory) {
        WorkerState storage w = _workers[worker];
        return Worker(uint128(_stakeOf(worker)), w.unstaking, w.unstakeReadyAt, w.endpoint);
    }

    function slashableOf(address worker) external view returns (uint256) {
        return _stakeOf(worker) + _workers[worker].unstaking;
    }

    function _stakeOf(address worker) private view returns (uint256) {
        return _accounts[_workers[worker].number].stake; // 0 without a number
    }

    /// @dev The worker's number, given at its first stake or serve.
    function _numberOf(address worker) private returns (uint32 number) {
        WorkerState storage w = _workers[worker];
        number = w.number;
        if (number == 0) {
            number = ++_workerCount; // checked: reverts after 2^32 - 1 workers
            w.number = number;
            _accounts[number].worker = worker;
        }
    }

    function _checkBooks() private view {
        uint256 balance = token.balanceOf(address(this));
        if (balance < totalStaked) revert BooksUnbalanced(balance, totalStaked);
    }
}
