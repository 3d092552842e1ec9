// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeGame} from "../src/interfaces/IDisputeGame.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";

/// @notice TEST ONLY stand-in for the dispute game (the real bisection game is the next piece of work): it records
/// the disputes the market opens and lets its deployer (a test account) decide them by hand. It exists so that the
/// market's freeze / resolveDispute path can be tested end to end; it adjudicates nothing.
contract ManualDisputeGame is IDisputeGame {
    error NotMarket(address caller);
    error NotReferee(address caller);

    struct Opened {
        address worker;
        address challenger;
        bytes32 modelId;
        bytes32 inputRoot;
        bytes32 outputHash;
        bytes32 traceRoot;
    }

    address public immutable referee;
    IJobMarket public market;
    mapping(uint256 => Opened) public opened;
    uint256 public count;

    constructor() {
        referee = msg.sender;
    }

    function setMarket(IJobMarket market_) external {
        if (msg.sender != referee) revert NotReferee(msg.sender);
        market = market_;
    }

    function openDispute(uint256 jobId, address worker, address challenger, bytes32 modelId, bytes32 inputRoot,
        bytes32 outputHash, bytes32 traceRoot) external {
        if (msg.sender != address(market)) revert NotMarket(msg.sender);
        opened[jobId] = Opened(worker, challenger, modelId, inputRoot, outputHash, traceRoot);
        count += 1;
    }

    function decide(uint256 jobId, bool workerWasRight) external {
        if (msg.sender != referee) revert NotReferee(msg.sender);
        market.resolveDispute(jobId, workerWasRight);
    }
}
