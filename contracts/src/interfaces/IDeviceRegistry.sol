// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Device registry
/// @notice Binds an IoT device's signing key to the account that owns the device. The device proves it holds its
/// key by signing, with that key, the EIP-712 message `DeviceBinding(address owner)` under the domain
/// `{name: "Verity Devices", version: "1", chainId, verifyingContract: this registry}`; the owner submits that
/// signature. Binding the chain id and the registry address into the domain means the signature cannot be replayed
/// on another chain or registry. A device belongs to one owner at a time; the owner may unbind it, after which
/// anyone holding a fresh signature from the device may bind it again.
///
/// Readings. A device signs each reading as the EIP-712 message
/// `Reading(address device,address owner,uint64 sequence,uint64 timestamp,bytes32 payloadHash)` under the same
/// domain (docs/PROVENANCE.md): the owner it reports for, a per-device sequence number and the SHA-256 of the
/// reading's payload. The dataset registry checks these signatures when a dataset record is challenged.
/// `firstBoundAt(device, owner)` is when `device` was first bound to `owner` and is never cleared, so an owner who
/// unbinds a device later cannot make the records it signed for them look unregistered.
/// @dev Holds no money.
interface IDeviceRegistry {
    error ZeroAddress();
    error DeviceAlreadyBound(address device, address owner);
    error DeviceNotBound(address device);
    error NotDeviceOwner(address device, address caller, address owner);
    /// @notice The signature was not made by `device` over the caller as owner (`recovered` is who did sign it).
    error BadDeviceSignature(address device, address recovered);

    event DeviceBound(address indexed device, address indexed owner);
    event DeviceUnbound(address indexed device, address indexed owner);

    /// @notice EIP-712 type hash of `DeviceBinding(address owner)`.
    function DEVICE_BINDING_TYPEHASH() external view returns (bytes32);

    /// @notice EIP-712 type hash of `Reading(address device,address owner,uint64 sequence,uint64 timestamp,bytes32 payloadHash)`.
    function READING_TYPEHASH() external view returns (bytes32);

    /// @notice Binds `device` to the caller; `signature` is the device key's EIP-712 signature of
    /// `DeviceBinding(owner = caller)`.
    function bind(address device, bytes calldata signature) external;

    /// @notice Owner only: removes the binding.
    function unbind(address device) external;

    /// @notice The owner of `device`, or address(0).
    function ownerOf(address device) external view returns (address);

    /// @notice When `device` was first bound to `owner` (block timestamp), or 0 if never.
    function firstBoundAt(address device, address owner) external view returns (uint64);

    /// @notice The EIP-712 digest a device signs to bind itself to `owner`.
    function bindingDigest(address owner) external view returns (bytes32);

    /// @notice The EIP-712 digest a device signs for one reading.
    function readingDigest(address device, address owner, uint64 sequence, uint64 timestamp, bytes32 payloadHash)
        external view returns (bytes32);

    /// @notice Who signed a reading: address(0) for a malformed signature; `device` when it is genuine.
    function readingSigner(address device, address owner, uint64 sequence, uint64 timestamp, bytes32 payloadHash,
        bytes calldata signature) external view returns (address recovered);
}
