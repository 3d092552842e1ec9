// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title The dispute game, as the JobMarket sees it
/// @notice When a result is challenged the market freezes the job (its fee stays in escrow, the challenger's bond
/// is held) and calls {openDispute}. The game then plays the worker against the challenger: bisection over the
/// trace to the first op whose output root differs, then over that op's output chunks to one chunk, which the
/// worker reveals, then a
/// one-step check on-chain that recomputes one element of that chunk (`DisputeGame`; rules in docs/PROTOCOL.md,
/// "Dispute game"). A party that misses a move deadline loses. The game must end every dispute by calling
/// `IJobMarket.resolveDispute(jobId, workerWasRight)` exactly once, in a later transaction than the one that
/// opened it, and before the market's `disputeTimeout`; after that timeout anyone may call
/// `IJobMarket.expireDispute`, which refunds the requester and returns the bond without slashing anyone.
/// @dev The market is the only caller the game should accept for {openDispute}.
interface IDisputeGame {
    /// @param jobId the challenged job
    /// @param worker who posted the result
    /// @param challenger who challenged it (an auditor or anyone)
    /// @param modelId the model (its weights root is in the model registry)
    /// @param inputRoot the tensor root of the job's input bytes (docs/COMMITMENTS.md) (the bytes are in the JobRequested event)
    /// @param outputHash SHA-256 of the claimed output bytes
    /// @param traceRoot the claimed execution trace root
    function openDispute(uint256 jobId, address worker, address challenger, bytes32 modelId, bytes32 inputRoot,
        bytes32 outputHash, bytes32 traceRoot) external;
}
