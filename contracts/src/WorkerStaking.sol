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

    mapping(address => Worker) private _workers;
    mapping(bytes32 modelId => address[]) private _servers;
    mapping(bytes32 modelId => uint16) private _classOf; // cached: a model's class never changes
    mapping(address => bytes32[]) private _modelsOf;
    mapping(address => mapping(bytes32 => uint256)) private _serverIndex; // index + 1 in _servers[model]; 0 = not

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
        Worker storage w = _workers[msg.sender];
        w.stake += SafeCast.toUint128(amount); // checked add: reverts past 2^128, far above any supply
        totalStaked += amount;
        IERC20(address(token)).safeTransferFrom(msg.sender, address(this), amount);
        emit Staked(msg.sender, amount, w.stake);
        _checkBooks();
    }

    /// @inheritdoc IWorkerStaking
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Worker storage w = _workers[msg.sender];
        if (amount > w.stake) revert InsufficientStake(msg.sender, amount, w.stake);
        w.stake -= uint128(amount);
        w.unstaking += uint128(amount);
        uint256 readyAt = block.timestamp + unstakeDelay;
        w.unstakeReadyAt = uint64(readyAt);
        emit UnstakeRequested(msg.sender, amount, w.unstaking, readyAt);
    }

    /// @inheritdoc IWorkerStaking
    function withdrawUnstaked() external nonReentrant {
        Worker storage w = _workers[msg.sender];
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
        address[] storage servers = _servers[modelId];
        if (servers.length >= MAX_SERVERS) revert TooManyServers(modelId, MAX_SERVERS);
        uint16 cls = models.classOf(modelId);
        _classOf[modelId] = cls;
        uint256 have = _workers[msg.sender].stake;
        if (have < minStake[cls]) revert BelowMinStake(msg.sender, modelId, have, minStake[cls]);
        servers.push(msg.sender);
        _serverIndex[msg.sender][modelId] = servers.length;
        _modelsOf[msg.sender].push(modelId);
        emit ServingStarted(msg.sender, modelId);
    }

    /// @inheritdoc IWorkerStaking
    function stopServing(bytes32 modelId) external {
        uint256 idx = _serverIndex[msg.sender][modelId];
        if (idx == 0) revert NotServing(msg.sender, modelId);
        address[] storage servers = _servers[modelId];
        address last = servers[servers.length - 1];
        servers[idx - 1] = last;
        _serverIndex[last][modelId] = idx;
        servers.pop();
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
        Worker storage w = _workers[worker];
        uint256 fromActive = amount < w.stake ? amount : w.stake;
        w.stake -= uint128(fromActive);
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
        address[] storage servers = _servers[modelId];
        uint256 n = servers.length;
        uint256 floor = minStake[_classOf[modelId]];
        uint256 total;
        for (uint256 i; i < n; ++i) {
            address s = servers[i];
            uint256 st = _workers[s].stake;
            if (s != exclude && st >= floor) total += st;
        }
        if (total == 0) return address(0);
        uint256 r = uint256(keccak256(abi.encode(seed, modelId))) % total;
        for (uint256 i; i < n; ++i) {
            address s = servers[i];
            uint256 st = _workers[s].stake;
            if (s == exclude || st < floor) continue;
            if (r < st) return s;
            r -= st;
        }
        return address(0); // unreachable: r < total
    }

    function isEligible(address worker, bytes32 modelId) external view returns (bool) {
        return _serverIndex[worker][modelId] != 0 && _workers[worker].stake >= minStake[_classOf[modelId]];
    }

    function serversOf(bytes32 modelId) external view returns (address[] memory) {
        return _servers[modelId];
    }

    function modelsOf(address worker) external view returns (bytes32[] memory) {
        return _modelsOf[worker];
    }

    function workerOf(address worker) external view returns (Worker memory) {
        return _workers[worker];
    }

    function slashableOf(address worker) external view returns (uint256) {
        Worker storage w = _workers[worker];
        return uint256(w.stake) + w.unstaking;
    }

    function _checkBooks() private view {
        uint256 balance = token.balanceOf(address(this));
        if (balance < totalStaked) revert BooksUnbalanced(balance, totalStaked);
    }
}
