// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";
import {IVerityConsumer} from "../src/interfaces/IVerityConsumer.sol";

/// @notice Test-only requester contract. Mode Record behaves; the others attack the market from the callback.
contract TestConsumer is IVerityConsumer {
    enum Mode {
        Record, // stores what it got
        Revert, // reverts with a message
        BurnGas, // loops until it runs out of gas
        Reenter, // tries to withdraw and to finalize again from inside the callback
        ReturnBomb // tries to revert with 1 MB of data (runs out of gas expanding memory first)
    }

    IJobMarket public immutable market;
    IERC20 public immutable token;
    Mode public mode;
    uint256 public calls;
    uint256 public lastJobId;
    bytes32 public lastResult; // keccak256(abi.encode(output, traceRoot)): three fresh slots fit in the 100k gas
    bool public reentryWithdrawSucceeded;
    bool public reentryFinalizeSucceeded;

    constructor(IJobMarket market_, IERC20 token_, Mode mode_) {
        market = market_;
        token = token_;
        mode = mode_;
    }

    function request(bytes32 modelId, bytes calldata input, uint256 maxFee) external returns (uint256) {
        token.approve(address(market), maxFee);
        return market.requestJob(modelId, input, maxFee);
    }

    function withdrawFromMarket() external returns (uint256) {
        return market.withdraw();
    }

    function onVerityResult(uint256 jobId, bytes32, bytes calldata output, bytes32 traceRoot) external {
        if (mode == Mode.Revert) revert("consumer says no");
        if (mode == Mode.BurnGas) {
            uint256 x;
            while (true) x = uint256(keccak256(abi.encode(x)));
        }
        if (mode == Mode.ReturnBomb) {
            assembly {
                revert(0, 1000000)
            }
        }
        if (mode == Mode.Reenter) {
            try market.withdraw() { reentryWithdrawSucceeded = true; } catch {}
            try market.finalize(jobId, bytes32(0), output, traceRoot) { reentryFinalizeSucceeded = true; } catch {}
        }
        calls += 1;
        lastJobId = jobId;
        lastResult = keccak256(abi.encode(output, traceRoot));
    }
}
