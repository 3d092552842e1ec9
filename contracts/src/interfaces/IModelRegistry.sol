// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Model registry
/// @notice A model is registered under its id, the SHA-256 of its canonical `.vmodel` body (docs/VMODEL.md), with
/// its weights root, the op-set version it was compiled for, its owner, its fee per job, its class (which sets the
/// minimum stake a worker needs to serve it), its parent model (lineage) and the datasets it was trained on with
/// the share of each job's fee that each dataset earns.
///
/// The fee split of a job (see IJobMarket) is: model owner `ownerBps`, each dataset its `bps`, the validator pool
/// the market's `validatorBps`, the worker the rest. Limits: at most `MAX_DATASETS` datasets, their shares summing to
/// at most `MAX_DATASET_BPS`, and `ownerBps + dataset shares <= MAX_OWNER_AND_DATASET_BPS`, so the worker and the
/// validator pool always keep at least 30% of the fee.
/// @dev The id, weights root, op-set version, class, parent and dataset shares never change after registration
/// (a job's result and its royalties must refer to one fixed model); the owner may change the fee and hand the
/// model to a new owner.
interface IModelRegistry {
    struct DatasetShare {
        bytes32 datasetId;
        uint16 bps;
    }

    struct Registration {
        bytes32 id;
        bytes32 weightsRoot;
        uint32 opSetVersion;
        uint16 modelClass;
        uint16 ownerBps;
        uint80 fee; // at most 2^80 - 1 wei (1.2 million tokens of 18 decimals)
        bytes32 parent; // zero for a root model
        DatasetShare[] datasets;
    }

    struct Model {
        address owner;
        uint80 fee;
        uint16 royaltyBps; // ownerBps + the datasets' shares: the part of each fee that goes to the model's lineage
        bytes32 weightsRoot;
        bytes32 parent;
        uint32 opSetVersion;
        uint16 modelClass;
        uint16 ownerBps;
        uint64 registeredAt;
        DatasetShare[] datasets;
    }

    error ZeroId();
    error ModelExists(bytes32 id);
    error UnknownModel(bytes32 id);
    error UnknownParent(bytes32 id, bytes32 parent);
    error TooManyDatasets(uint256 count, uint256 max);
    error DatasetSharesTooHigh(uint256 sum, uint256 max);
    error OwnerShareTooHigh(uint256 ownerBps, uint256 datasetBps, uint256 max);
    error DatasetNotActive(bytes32 datasetId);
    error DuplicateDataset(bytes32 datasetId);
    error ZeroShare(bytes32 datasetId);
    error NotModelOwner(bytes32 id, address caller, address owner);
    error ZeroAddress();

    event ModelRegistered(bytes32 indexed id, address indexed owner, bytes32 indexed parent, bytes32 weightsRoot,
        uint32 opSetVersion, uint16 modelClass, uint16 ownerBps, uint256 fee, DatasetShare[] datasets);
    event ModelFeeChanged(bytes32 indexed id, uint256 fee);
    event ModelOwnerChanged(bytes32 indexed id, address indexed previousOwner, address indexed newOwner);

    function MAX_DATASETS() external view returns (uint256);
    function MAX_DATASET_BPS() external view returns (uint256);
    function MAX_OWNER_AND_DATASET_BPS() external view returns (uint256);

    /// @notice Registers a model owned by the caller. Every cited dataset must be active in the dataset registry.
    function register(Registration calldata r) external;

    /// @notice Owner only: sets the fee charged for jobs requested from now on.
    function setFee(bytes32 id, uint80 fee) external;

    /// @notice Owner only: hands the model (its royalties and fee control) to `newOwner`.
    function transferModel(bytes32 id, address newOwner) external;

    function exists(bytes32 id) external view returns (bool);
    function get(bytes32 id) external view returns (Model memory);
    function feeOf(bytes32 id) external view returns (uint256);
    /// @notice The fee and the royalty share (`royaltyBps`) together: one storage read, for the job market.
    function termsOf(bytes32 id) external view returns (uint256 fee, uint256 royaltyBps);
    function classOf(bytes32 id) external view returns (uint16);
    /// @notice `ownerBps` plus the datasets' shares: the lineage's part of each fee (one storage read).
    function royaltyBpsOf(bytes32 id) external view returns (uint256);

    /// @notice What JobMarket needs to split a fee: owner, owner share, datasets and their shares.
    function splitOf(bytes32 id) external view returns (address owner, uint16 ownerBps, DatasetShare[] memory datasets);

    /// @notice The parent chain of `id`, nearest first, at most `maxDepth` entries (the root model's parent is zero).
    function lineage(bytes32 id, uint256 maxDepth) external view returns (bytes32[] memory ancestors);

    /// @notice The datasets `id` was trained on, with their shares.
    function datasetsOf(bytes32 id) external view returns (DatasetShare[] memory);
}
