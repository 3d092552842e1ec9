// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";
import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";
import {IVerityToken} from "./interfaces/IVerityToken.sol";
import {Merkle} from "./onestep/Merkle.sol";

/// @notice See {IDatasetRegistry}.
contract DatasetRegistry is IDatasetRegistry, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_CONTRIBUTORS = 32;
    uint256 public constant RECORD_LENGTH = 153;

    IVerityToken public immutable token;
    IDeviceRegistry public immutable devices;
    uint256 public minBond;
    /// @notice Seconds between `retire` and `withdrawBond` (the window in which a bad record can still be shown).
    uint256 public immutable bondLockPeriod;
    uint256 public challengeBond;
    uint256 public slashRewardBps;
    uint256 public totalBonds;

    mapping(bytes32 => Dataset) private _datasets;

    constructor(IVerityToken token_, IDeviceRegistry devices_, uint256 minBond_, uint256 bondLockPeriod_,
        uint256 challengeBond_, uint256 slashRewardBps_, address owner_) Ownable(owner_) {
        if (slashRewardBps_ > 10_000) revert BadBps(slashRewardBps_);
        token = token_;
        devices = devices_;
        minBond = minBond_;
        bondLockPeriod = bondLockPeriod_;
        challengeBond = challengeBond_;
        slashRewardBps = slashRewardBps_;
    }

    function setMinBond(uint256 minBond_) external onlyOwner {
        minBond = minBond_;
        emit MinBondChanged(minBond_);
    }

    /// @inheritdoc IDatasetRegistry
    function register(bytes32 id, bytes32 recordsRoot, uint64 recordCount, address[] calldata contributors,
        uint16[] calldata shares, uint256 bond) external nonReentrant {
        if (id == bytes32(0) || recordsRoot == bytes32(0)) revert ZeroId();
        if (recordCount == 0) revert NoRecords(id);
        if (_datasets[id].owner != address(0)) revert DatasetExists(id);
        uint256 n = contributors.length;
        if (n == 0 || n != shares.length || n > MAX_CONTRIBUTORS) {
            revert BadContributors(n, shares.length, MAX_CONTRIBUTORS);
        }
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            if (contributors[i] == address(0) || shares[i] == 0) revert BadContributor(i, contributors[i], shares[i]);
            for (uint256 k; k < i; ++k) if (contributors[k] == contributors[i]) revert DuplicateContributor(contributors[i]);
            sum += shares[i];
        }
        if (sum != 10_000) revert SharesNotWhole(sum);
        if (bond < minBond) revert BondTooSmall(bond, minBond);

        Dataset storage d = _datasets[id];
        d.owner = msg.sender;
        d.registeredAt = uint64(block.timestamp);
        d.recordsRoot = recordsRoot;
        d.recordCount = recordCount;
        d.bond = bond;
        d.contributors = contributors;
        d.shares = shares;
        totalBonds += bond;
        IERC20(address(token)).safeTransferFrom(msg.sender, address(this), bond);
        emit DatasetRegistered(id, msg.sender, recordsRoot, recordCount, bond, contributors, shares);
        _checkBooks();
    }

    /// @inheritdoc IDatasetRegistry
    function challenge(bytes32 id, bytes calldata record, uint256 index, bytes32[] calldata proof)
        external nonReentrant returns (Fault fault)
    {
        Dataset storage d = _datasets[id];
        if (d.owner == address(0)) revert UnknownDataset(id);
        if (d.invalidatedAt != 0) revert DatasetAlreadyInvalid(id);
        if (d.bond == 0) revert NothingToSlash(id);
        if (record.length != RECORD_LENGTH) revert BadRecordLength(record.length, RECORD_LENGTH);
        if (!Merkle.verify(d.recordsRoot, Merkle.leafHash(record), index, d.recordCount, proof)) {
            revert RecordNotInDataset(id, index);
        }
        fault = _judge(record, d.registeredAt);
        if (fault == Fault.None) {
            // The record is sound: the challenger's bond pays the owner for the trouble (docs/PROVENANCE.md).
            uint256 lost = challengeBond;
            if (lost != 0) IERC20(address(token)).safeTransferFrom(msg.sender, d.owner, lost);
            emit ChallengeFailed(id, msg.sender, index, lost);
        } else {
            uint256 bond = d.bond;
            d.bond = 0;
            d.invalidatedAt = uint64(block.timestamp);
            totalBonds -= bond;
            uint256 reward = bond * slashRewardBps / 10_000; // slashRewardBps <= 10,000: reward <= bond
            uint256 burnt = bond - reward;
            if (reward != 0) IERC20(address(token)).safeTransfer(msg.sender, reward);
            if (burnt != 0) token.burn(burnt);
            emit DatasetInvalidated(id, msg.sender, index, fault, reward, burnt);
        }
        _checkBooks();
    }

    /// @dev What is wrong with a device record: its signature, or its device's binding to the claimed owner at
    /// the dataset's registration. Layout (docs/PROVENANCE.md): contributor 20 ‖ device 20 ‖ sequence 8 ‖
    /// timestamp 8 ‖ payloadHash 32 ‖ signature 65, big-endian.
    function _judge(bytes calldata r, uint64 registeredAt) private view returns (Fault) {
        address owner = address(bytes20(r[0:20]));
        address device = address(bytes20(r[20:40]));
        if (device == address(0)) revert NotADeviceRecord();
        address signer = devices.readingSigner(device, owner, uint64(bytes8(r[40:48])), uint64(bytes8(r[48:56])),
            bytes32(r[56:88]), r[88:153]);
        if (signer != device) return Fault.BadSignature;
        uint64 since = devices.firstBoundAt(device, owner);
        if (since == 0 || since > registeredAt) return Fault.UnregisteredDevice;
        return Fault.None;
    }

    /// @inheritdoc IDatasetRegistry
    function retire(bytes32 id) external {
        Dataset storage d = _owned(id);
        if (d.retiredAt != 0) revert DatasetAlreadyRetired(id);
        d.retiredAt = uint64(block.timestamp);
        emit DatasetRetired(id, block.timestamp + bondLockPeriod);
    }

    /// @inheritdoc IDatasetRegistry
    function withdrawBond(bytes32 id) external nonReentrant {
        Dataset storage d = _owned(id);
        uint256 unlocksAt = d.retiredAt == 0 ? type(uint256).max : uint256(d.retiredAt) + bondLockPeriod;
        if (block.timestamp < unlocksAt) revert BondLocked(id, unlocksAt, block.timestamp);
        uint256 bond = d.bond;
        d.bond = 0;
        totalBonds -= bond;
        IERC20(address(token)).safeTransfer(d.owner, bond);
        emit BondWithdrawn(id, d.owner, bond);
        _checkBooks();
    }

    function isActive(bytes32 id) external view returns (bool) {
        Dataset storage d = _datasets[id];
        return d.owner != address(0) && d.retiredAt == 0 && d.invalidatedAt == 0;
    }

    function isValid(bytes32 id) external view returns (bool) {
        Dataset storage d = _datasets[id];
        return d.owner != address(0) && d.invalidatedAt == 0;
    }

    function exists(bytes32 id) external view returns (bool) {
        return _datasets[id].owner != address(0);
    }

    function get(bytes32 id) external view returns (Dataset memory) {
        Dataset storage d = _datasets[id];
        if (d.owner == address(0)) revert UnknownDataset(id);
        return d;
    }

    function contributorsOf(bytes32 id) external view returns (address[] memory, uint16[] memory) {
        Dataset storage d = _datasets[id];
        if (d.owner == address(0)) revert UnknownDataset(id);
        return (d.contributors, d.shares);
    }

    function _owned(bytes32 id) private view returns (Dataset storage d) {
        d = _datasets[id];
        if (d.owner == address(0)) revert UnknownDataset(id);
        if (d.owner != msg.sender) revert NotDatasetOwner(id, msg.sender, d.owner);
    }

    function _checkBooks() private view {
        uint256 balance = token.balanceOf(address(this));
        if (balance < totalBonds) revert BooksUnbalanced(balance, totalBonds);
    }
}
