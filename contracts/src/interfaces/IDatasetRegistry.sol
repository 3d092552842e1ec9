// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Dataset registry
/// @notice A dataset is a Merkle root over its records (SHA-256, RFC-6962 domain separation, as in
/// docs/COMMITMENTS.md), the number of records, and the people (or device owners) who contributed it with their
/// shares in basis points, which must sum to exactly 10,000. Registering escrows a bond in the token. Contributors
/// and shares are fixed at registration: royalties routed to a dataset are split by them.
///
/// Challenges (docs/PROVENANCE.md). A record is 153 bytes: contributor ‖ device ‖ sequence ‖ timestamp ‖
/// payloadHash ‖ signature. Anyone may show one device record of a valid dataset, proven against its root, with
/// {challenge}. If the device's EIP-712 `Reading` signature (IDeviceRegistry) does not recover to the device, or the
/// device had not been bound to the record's contributor by the time the dataset was registered, the dataset is
/// invalidated: its whole bond is slashed, `slashRewardBps` of it to the challenger and the rest burned; it can no
/// longer be cited, and the royalties routed to it from then on (and any pool it had not yet distributed) go to the
/// market's validator pool. If the record is sound, the challenger loses `challengeBond` to the dataset's owner.
/// @dev Money: the registry holds exactly the bonds of datasets whose bond was neither withdrawn nor slashed; every
/// entry point that moves tokens ends by checking `token.balanceOf(this) >= totalBonds`.
interface IDatasetRegistry {
    struct Dataset {
        address owner;
        uint64 registeredAt;
        uint64 retiredAt; // 0 while active
        uint64 recordCount;
        uint64 invalidatedAt; // 0 while valid
        bytes32 recordsRoot;
        uint256 bond;
        address[] contributors;
        uint16[] shares; // basis points, same order as contributors, summing to 10,000
    }

    /// @notice What a successful challenge showed about a record.
    enum Fault {
        None,
        BadSignature, // the signature does not recover to the record's device
        UnregisteredDevice // the device was not bound to the record's contributor when the dataset was registered
    }

    /// @notice A dataset with `id` is already registered.
    error DatasetExists(bytes32 id);
    /// @notice No dataset with `id`.
    error UnknownDataset(bytes32 id);
    /// @notice `id` and the records root must be non-zero.
    error ZeroId();
    /// @notice A dataset needs at least one record.
    error NoRecords(bytes32 id);
    /// @notice Contributors and shares differ in length, or there are none, or more than `max`.
    error BadContributors(uint256 contributors, uint256 shares, uint256 max);
    /// @notice A contributor is the zero address or has a zero share.
    error BadContributor(uint256 index, address contributor, uint16 share);
    /// @notice A contributor is listed twice.
    error DuplicateContributor(address contributor);
    /// @notice Shares must sum to 10,000 basis points.
    error SharesNotWhole(uint256 sum);
    /// @notice The offered bond is below the minimum.
    error BondTooSmall(uint256 bond, uint256 minBond);
    /// @notice Only the dataset's owner may do this.
    error NotDatasetOwner(bytes32 id, address caller, address owner);
    /// @notice The dataset is already retired; or its bond is still locked.
    error DatasetAlreadyRetired(bytes32 id);
    error BondLocked(bytes32 id, uint256 unlocksAt, uint256 nowTs);
    /// @notice The dataset was already invalidated by an earlier challenge.
    error DatasetAlreadyInvalid(bytes32 id);
    /// @notice The dataset's bond was withdrawn: there is nothing left to slash.
    error NothingToSlash(bytes32 id);
    /// @notice A record must be exactly `expected` bytes.
    error BadRecordLength(uint256 length, uint256 expected);
    /// @notice The record and proof do not lead to the dataset's root at `index`.
    error RecordNotInDataset(bytes32 id, uint256 index);
    /// @notice Records without a device (device = 0) carry no signature the chain could check.
    error NotADeviceRecord();
    /// @notice A basis-point parameter above 10,000.
    error BadBps(uint256 bps);
    /// @notice The books do not balance: the registry holds less than it owes.
    error BooksUnbalanced(uint256 balance, uint256 owed);

    event DatasetRegistered(bytes32 indexed id, address indexed owner, bytes32 recordsRoot, uint64 recordCount,
        uint256 bond, address[] contributors, uint16[] shares);
    event DatasetRetired(bytes32 indexed id, uint256 bondUnlocksAt);
    event BondWithdrawn(bytes32 indexed id, address indexed owner, uint256 bond);
    event MinBondChanged(uint256 minBond);
    /// @notice A challenge showed record `index` to be bad: the bond was slashed (`reward` to the challenger,
    /// `burnt` burned) and the dataset invalidated.
    event DatasetInvalidated(bytes32 indexed id, address indexed challenger, uint256 index, Fault fault,
        uint256 reward, uint256 burnt);
    /// @notice A challenge of record `index` found it sound; the challenger's `bondLost` went to the dataset owner.
    event ChallengeFailed(bytes32 indexed id, address indexed challenger, uint256 index, uint256 bondLost);

    /// @notice Most contributors a dataset may list (bounds the gas of splitting its royalties).
    function MAX_CONTRIBUTORS() external view returns (uint256);

    /// @notice Registers dataset `id` owned by the caller, escrowing `bond` tokens (transferFrom; approve first).
    /// @param id caller-chosen identifier (for example the SHA-256 of the dataset file); non-zero, unique.
    /// @param recordsRoot Merkle root over the dataset's records; non-zero.
    /// @param recordCount number of records (leaves) under the root; non-zero. Proofs are checked against it.
    function register(bytes32 id, bytes32 recordsRoot, uint64 recordCount, address[] calldata contributors,
        uint16[] calldata shares, uint256 bond) external;

    /// @notice Challenges dataset `id` with its record number `index` (153 bytes) and the record's audit path.
    /// Reverts unless the record is a device record proven against the root. If the record is bad, slashes and
    /// invalidates the dataset and returns the fault; if it is sound, takes `challengeBond` from the caller
    /// (approve first) for the dataset's owner and returns `Fault.None`.
    function challenge(bytes32 id, bytes calldata record, uint256 index, bytes32[] calldata proof)
        external returns (Fault fault);

    /// @notice Retires a dataset: new models can no longer cite it; its bond unlocks after `bondLockPeriod`.
    /// Models already citing it keep routing royalties to it.
    function retire(bytes32 id) external;

    /// @notice Returns the bond of a retired dataset to its owner once the lock period has passed.
    function withdrawBond(bytes32 id) external;

    /// @notice Whether `id` is registered, not retired and not invalidated (a model may cite it).
    function isActive(bytes32 id) external view returns (bool);

    /// @notice Whether `id` is registered and was not invalidated (it earns royalties).
    function isValid(bytes32 id) external view returns (bool);

    /// @notice Whether `id` was ever registered.
    function exists(bytes32 id) external view returns (bool);

    /// @notice The full record.
    function get(bytes32 id) external view returns (Dataset memory);

    /// @notice Contributors and their shares, for splitting royalties.
    function contributorsOf(bytes32 id) external view returns (address[] memory contributors, uint16[] memory shares);

    /// @notice Bond a failed challenge costs its challenger.
    function challengeBond() external view returns (uint256);

    /// @notice Sum of all bonds held.
    function totalBonds() external view returns (uint256);
}
