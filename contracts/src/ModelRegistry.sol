// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";

/// @notice See {IModelRegistry}. Holds no money.
contract ModelRegistry is IModelRegistry {
    uint256 public constant MAX_DATASETS = 8;
    uint256 public constant MAX_DATASET_BPS = 5_000;
    uint256 public constant MAX_OWNER_AND_DATASET_BPS = 7_000;

    IDatasetRegistry public immutable datasets;
    mapping(bytes32 => Model) private _models;

    constructor(IDatasetRegistry datasets_) {
        datasets = datasets_;
    }

    /// @inheritdoc IModelRegistry
    function register(Registration calldata r) external {
        if (r.id == bytes32(0)) revert ZeroId();
        if (_models[r.id].owner != address(0)) revert ModelExists(r.id);
        if (r.parent != bytes32(0) && _models[r.parent].owner == address(0)) revert UnknownParent(r.id, r.parent);
        uint256 n = r.datasets.length;
        if (n > MAX_DATASETS) revert TooManyDatasets(n, MAX_DATASETS);

        Model storage m = _models[r.id];
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            DatasetShare calldata s = r.datasets[i];
            if (s.bps == 0) revert ZeroShare(s.datasetId);
            if (!datasets.isActive(s.datasetId)) revert DatasetNotActive(s.datasetId);
            for (uint256 k; k < i; ++k) {
                if (r.datasets[k].datasetId == s.datasetId) revert DuplicateDataset(s.datasetId);
            }
            sum += s.bps;
            m.datasets.push(s);
        }
        if (sum > MAX_DATASET_BPS) revert DatasetSharesTooHigh(sum, MAX_DATASET_BPS);
        if (r.ownerBps + sum > MAX_OWNER_AND_DATASET_BPS) {
            revert OwnerShareTooHigh(r.ownerBps, sum, MAX_OWNER_AND_DATASET_BPS);
        }
        m.owner = msg.sender;
        m.fee = r.fee;
        m.weightsRoot = r.weightsRoot;
        m.parent = r.parent;
        m.opSetVersion = r.opSetVersion;
        m.modelClass = r.modelClass;
        m.ownerBps = r.ownerBps;
        m.royaltyBps = uint16(r.ownerBps + sum); // <= 7,000 (checked above)
        m.registeredAt = uint64(block.timestamp);
        emit ModelRegistered(r.id, msg.sender, r.parent, r.weightsRoot, r.opSetVersion, r.modelClass, r.ownerBps,
            r.fee, r.datasets);
    }

    /// @inheritdoc IModelRegistry
    function setFee(bytes32 id, uint80 fee) external {
        Model storage m = _owned(id);
        m.fee = fee;
        emit ModelFeeChanged(id, fee);
    }

    /// @inheritdoc IModelRegistry
    function transferModel(bytes32 id, address newOwner) external {
        Model storage m = _owned(id);
        if (newOwner == address(0)) revert ZeroAddress();
        emit ModelOwnerChanged(id, m.owner, newOwner);
        m.owner = newOwner;
    }

    function exists(bytes32 id) external view returns (bool) {
        return _models[id].owner != address(0);
    }

    function get(bytes32 id) external view returns (Model memory) {
        return _known(id);
    }

    function feeOf(bytes32 id) external view returns (uint256) {
        return _known(id).fee;
    }

    function classOf(bytes32 id) external view returns (uint16) {
        return _known(id).modelClass;
    }

    function termsOf(bytes32 id) external view returns (uint256, uint256) {
        Model storage m = _known(id);
        return (m.fee, m.royaltyBps);
    }

    function royaltyBpsOf(bytes32 id) external view returns (uint256) {
        return _known(id).royaltyBps;
    }

    function splitOf(bytes32 id) external view returns (address, uint16, DatasetShare[] memory) {
        Model storage m = _known(id);
        return (m.owner, m.ownerBps, m.datasets);
    }

    function lineage(bytes32 id, uint256 maxDepth) external view returns (bytes32[] memory ancestors) {
        bytes32[] memory buf = new bytes32[](maxDepth);
        uint256 n;
        bytes32 cur = _known(id).parent;
        while (cur != bytes32(0) && n < maxDepth) {
            buf[n++] = cur;
            cur = _models[cur].parent;
        }
        ancestors = new bytes32[](n);
        for (uint256 i; i < n; ++i) ancestors[i] = buf[i];
    }

    function datasetsOf(bytes32 id) external view returns (DatasetShare[] memory) {
        return _known(id).datasets;
    }

    function _known(bytes32 id) private view returns (Model storage m) {
        m = _models[id];
        if (m.owner == address(0)) revert UnknownModel(id);
    }

    function _owned(bytes32 id) private view returns (Model storage m) {
        m = _known(id);
        if (m.owner != msg.sender) revert NotModelOwner(id, msg.sender, m.owner);
    }
}
