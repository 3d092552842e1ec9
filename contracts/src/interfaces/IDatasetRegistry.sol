// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Dataset registry
/// @notice A dataset is a Merkle root over its records (SHA-256, RFC-6962 domain separation, as in
/// docs/COMMITMENTS.md) plus the people (or device owners) who contributed it and their shares in basis points,
/// which must sum to exactly 10,000. Registering escrows a bond in the token; the bond is what a successful
/// challenge of a bad record will take (the challenge comes with issue 6). Contributors and shares are fixed at
/// registration: royalties routed to a dataset are split by them.
/// @dev Money: the registry holds exactly the bonds of datasets whose bond was not withdrawn; every entry point
/// that moves tokens ends by checking `token.balanceOf(this) >= totalBonds`.
interface IDatasetRegistry {
    struct Dataset {
        address owner;
        uint64 registeredAt;
        uint64 retiredAt; // 0 while active
        bytes32 recordsRoot;
        uint256 bond;
        address[] contributors;
        uint16[] shares; // basis points, same order as contributors, summing to 10,000
    }

    /// @notice A dataset with `id` is already registered.
    error DatasetExists(bytes32 id);
    /// @notice No dataset with `id`.
    error UnknownDataset(bytes32 id);
    /// @notice `id` and the records root must be non-zero.
    error ZeroId();
    /// @notice Contributors and shares differ in length, or there are none, or more than `max`.
    error BadContributors(uint256 contributors, uint256 shares, uint256 max);
    /// @notice A contributor is the zero address or has a zero share.
    error BadContributor(uint256 index, address contributor, uint16 share);
    /// @notice Shares must sum to 10,000 basis points.
    error SharesNotWhole(uint256 sum);
    /// @notice The offered bond is below the minimum.
    error BondTooSmall(uint256 bond, uint256 minBond);
    /// @notice Only the dataset's owner may do this.
    error NotDatasetOwner(bytes32 id, address caller, address owner);
    /// @notice The dataset is already retired; or its bond is still locked.
    error DatasetAlreadyRetired(bytes32 id);
    error BondLocked(bytes32 id, uint256 unlocksAt, uint256 nowTs);
    /// @notice The books do not balance: the registry holds less than it owes.
    error BooksUnbalanced(uint256 balance, uint256 owed);

    event DatasetRegistered(bytes32 indexed id, address indexed owner, bytes32 recordsRoot, uint256 bond,
        address[] contributors, uint16[] shares);
    event DatasetRetired(bytes32 indexed id, uint256 bondUnlocksAt);
    event BondWithdrawn(bytes32 indexed id, address indexed owner, uint256 bond);
    event MinBondChanged(uint256 minBond);

    /// @notice Most contributors a dataset may list (bounds the gas of splitting its royalties).
    function MAX_CONTRIBUTORS() external view returns (uint256);

    /// @notice Registers dataset `id` owned by the caller, escrowing `bond` tokens (transferFrom; approve first).
    /// @param id caller-chosen identifier (for example the SHA-256 of the dataset's manifest); non-zero, unique.
    /// @param recordsRoot Merkle root over the dataset's records; non-zero.
    function register(bytes32 id, bytes32 recordsRoot, address[] calldata contributors, uint16[] calldata shares,
        uint256 bond) external;

    /// @notice Retires a dataset: new models can no longer cite it; its bond unlocks after `bondLockPeriod`.
    /// Models already citing it keep routing royalties to it.
    function retire(bytes32 id) external;

    /// @notice Returns the bond of a retired dataset to its owner once the lock period has passed.
    function withdrawBond(bytes32 id) external;

    /// @notice Whether `id` is registered and not retired (a model may cite it).
    function isActive(bytes32 id) external view returns (bool);

    /// @notice Whether `id` was ever registered.
    function exists(bytes32 id) external view returns (bool);

    /// @notice The full record.
    function get(bytes32 id) external view returns (Dataset memory);

    /// @notice Contributors and their shares, for splitting royalties.
    function contributorsOf(bytes32 id) external view returns (address[] memory contributors, uint16[] memory shares);

    /// @notice Sum of all bonds held.
    function totalBonds() external view returns (uint256);
}
