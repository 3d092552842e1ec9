// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";

/// @notice See {IDatasetRegistry}.
contract DatasetRegistry is IDatasetRegistry, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_CONTRIBUTORS = 32;

    IERC20 public immutable token;
    uint256 public minBond;
    /// @notice Seconds between `retire` and `withdrawBond` (the window in which a bad record can still be shown).
    uint256 public immutable bondLockPeriod;
    uint256 public totalBonds;

    mapping(bytes32 => Dataset) private _datasets;

    constructor(IERC20 token_, uint256 minBond_, uint256 bondLockPeriod_, address owner_) Ownable(owner_) {
        token = token_;
        minBond = minBond_;
        bondLockPeriod = bondLockPeriod_;
    }

    function setMinBond(uint256 minBond_) external onlyOwner {
        minBond = minBond_;
        emit MinBondChanged(minBond_);
    }

    /// @inheritdoc IDatasetRegistry
    function register(bytes32 id, bytes32 recordsRoot, address[] calldata contributors, uint16[] calldata shares,
        uint256 bond) external nonReentrant {
        if (id == bytes32(0) || recordsRoot == bytes32(0)) revert ZeroId();
        if (_datasets[id].owner != address(0)) revert DatasetExists(id);
        uint256 n = contributors.length;
        if (n == 0 || n != shares.length || n > MAX_CONTRIBUTORS) {
            revert BadContributors(n, shares.length, MAX_CONTRIBUTORS);
        }
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            if (contributors[i] == address(0) || shares[i] == 0) revert BadContributor(i, contributors[i], shares[i]);
            sum += shares[i];
        }
        if (sum != 10_000) revert SharesNotWhole(sum);
        if (bond < minBond) revert BondTooSmall(bond, minBond);

        Dataset storage d = _datasets[id];
        d.owner = msg.sender;
        d.registeredAt = uint64(block.timestamp);
        d.recordsRoot = recordsRoot;
        d.bond = bond;
        d.contributors = contributors;
        d.shares = shares;
        totalBonds += bond;
        token.safeTransferFrom(msg.sender, address(this), bond);
        emit DatasetRegistered(id, msg.sender, recordsRoot, bond, contributors, shares);
        _checkBooks();
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
        token.safeTransfer(d.owner, bond);
        emit BondWithdrawn(id, d.owner, bond);
        _checkBooks();
    }

    function isActive(bytes32 id) external view returns (bool) {
        Dataset storage d = _datasets[id];
        return d.owner != address(0) && d.retiredAt == 0;
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
