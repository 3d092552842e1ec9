// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Callback for contracts that request jobs
/// @notice A contract that requests a job from the JobMarket receives the result through this callback when the
/// job is finalized (after its challenge window, and after any audit or dispute). The market calls it exactly
/// once per finalized job, with exactly `CALLBACK_GAS` (see IJobMarket) of gas, inside a try/catch: a callback
/// that reverts, runs out of gas or tries to re-enter the market changes nothing for the job, which is final
/// either way, and the consumer cannot block or delay finalization. Refunds are not called back: a consumer
/// collects them with `IJobMarket.withdraw()`.
interface IVerityConsumer {
    /// @param jobId the job this contract requested
    /// @param modelId the model that computed it
    /// @param output the output bytes (their SHA-256 is the output hash committed with the result)
    /// @param traceRoot the execution trace root the worker committed to (docs/COMMITMENTS.md)
    function onVerityResult(uint256 jobId, bytes32 modelId, bytes calldata output, bytes32 traceRoot) external;
}
