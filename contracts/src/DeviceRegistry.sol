// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";

/// @notice See {IDeviceRegistry}.
contract DeviceRegistry is IDeviceRegistry, EIP712 {
    bytes32 public constant DEVICE_BINDING_TYPEHASH = keccak256("DeviceBinding(address owner)");
    bytes32 public constant READING_TYPEHASH =
        keccak256("Reading(address device,address owner,uint64 sequence,uint64 timestamp,bytes32 payloadHash)");

    mapping(address device => address owner) public ownerOf;
    mapping(address device => mapping(address owner => uint64)) public firstBoundAt;

    constructor() EIP712("Verity Devices", "1") {}

    /// @inheritdoc IDeviceRegistry
    function bind(address device, bytes calldata signature) external {
        if (device == address(0)) revert ZeroAddress();
        address current = ownerOf[device];
        if (current != address(0)) revert DeviceAlreadyBound(device, current);
        (address recovered,,) = ECDSA.tryRecover(bindingDigest(msg.sender), signature);
        if (recovered != device) revert BadDeviceSignature(device, recovered);
        ownerOf[device] = msg.sender;
        // Never cleared: a record's owner stays provable after an unbind (see IDeviceRegistry).
        if (firstBoundAt[device][msg.sender] == 0) firstBoundAt[device][msg.sender] = uint64(block.timestamp);
        emit DeviceBound(device, msg.sender);
    }

    /// @inheritdoc IDeviceRegistry
    function unbind(address device) external {
        address current = ownerOf[device];
        if (current == address(0)) revert DeviceNotBound(device);
        if (current != msg.sender) revert NotDeviceOwner(device, msg.sender, current);
        delete ownerOf[device];
        emit DeviceUnbound(device, msg.sender);
    }

    /// @inheritdoc IDeviceRegistry
    function bindingDigest(address owner) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(DEVICE_BINDING_TYPEHASH, owner)));
    }

    /// @inheritdoc IDeviceRegistry
    function readingDigest(address device, address owner, uint64 sequence, uint64 timestamp, bytes32 payloadHash)
        public view returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(READING_TYPEHASH, device, owner, sequence, timestamp, payloadHash)));
    }

    /// @inheritdoc IDeviceRegistry
    function readingSigner(address device, address owner, uint64 sequence, uint64 timestamp, bytes32 payloadHash,
        bytes calldata signature) external view returns (address recovered) {
        (recovered,,) = ECDSA.tryRecover(readingDigest(device, owner, sequence, timestamp, payloadHash), signature);
    }
}
