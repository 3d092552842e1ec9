// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeGame} from "./interfaces/IDisputeGame.sol";
import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {Merkle} from "./onestep/Merkle.sol";
import {Chunks} from "./onestep/Chunks.sol";
import {OneStepVerifier} from "./onestep/OneStepVerifier.sol";

/// @title The dispute game: bisection over the trace, then over one op's output chunks, then a one-step check
/// @notice Rules (docs/PROTOCOL.md, "Dispute game"):
/// 1. The market opens a dispute with the worker's trace root. The challenger commits its own, different, trace root.
/// 2. Trace bisection, down the RFC 6962 tree over the per-op output roots: at each node both parties reveal the
///    node's two children (the worker first); the game descends into the left child if the left children differ,
///    else into the right. It ends at the first op whose output roots differ; every earlier op's root agrees.
/// 3. At that leaf both reveal the op's output root (the worker also declares the output's byte length), then chunk
///    bisection runs the same way down the op's output chunk tree to one chunk whose leaf hashes differ.
/// 4. One-step: the challenger supplies the worker's chunk bytes, one element of it, and the proofs the
///    {OneStepVerifier} needs to recompute that element from the op's inputs (earlier op outputs, proven against
///    the worker's trace root) and the op's parameters (proven against the model's registered weights root). If
///    the worker's element differs from the recomputed one the worker loses, else the challenger loses.
/// A party that does not move within `moveTime` of the previous move loses; anyone may call {timeout}.
/// @dev Chunk bisection and trace bisection share one move function, {bisect}.
contract DisputeGame is IDisputeGame {
    enum Phase { None, ChallengerRoot, Trace, OpRoot, Chunks, OneStep, Ended }

    struct Game {
        address worker;
        uint64 deadline; // the current mover must move by then
        Phase phase;
        bool challengerMoves; // whose turn it is
        address challenger;
        uint32 opCount;
        uint32 inputCount;
        uint32 start; // the current node covers leaves [start, start + size) of a tree of `count` leaves
        uint32 size;
        uint32 count;
        uint32 op; // the disputed op, once trace bisection is over
        uint64 outLen; // the op's output byte length, declared by the worker
        bytes32 modelId;
        bytes32 traceRoot; // the worker's
        bytes32 workerNode;
        bytes32 challengerNode;
        bytes32 workerLeft; // the worker's revealed children of the current node
        bytes32 workerRight;
        bytes32 workerOpRoot;
    }

    /// @notice The facts about a model the game needs and the registry does not hold: its number of ops (the leaf
    /// count of the trace and weights trees) and of graph inputs (value ids below it are graph inputs).
    struct Shape {
        uint32 opCount;
        uint32 inputCount;
    }

    error NotMarket(address caller);
    error NotModelOwner(bytes32 modelId, address caller, address owner);
    error ShapeAlreadySet(bytes32 modelId);
    error ShapeUnknown(bytes32 modelId);
    error WrongPhase(uint256 jobId, Phase phase);
    error NotYourMove(uint256 jobId, address caller, address mover);
    error SameTraceRoot(uint256 jobId, bytes32 traceRoot);
    error RevealInvalid(uint256 jobId, bytes32 node, bytes32 left, bytes32 right);
    error ChildrenIdentical(uint256 jobId);
    error OpRootInvalid(uint256 jobId, bytes32 node, bytes32 opRoot);
    error ChunkInvalid(uint256 jobId, uint256 chunkIndex, bytes32 node);
    error DeadlineNotReached(uint256 jobId, uint256 deadline, uint256 time);
    error DeadlinePassed(uint256 jobId, uint256 deadline, uint256 time);

    event ShapeSet(bytes32 indexed modelId, uint32 opCount, uint32 inputCount);
    event DisputeOpened(uint256 indexed jobId, address indexed worker, address indexed challenger, bytes32 traceRoot);
    event TraceCommitted(uint256 indexed jobId, bytes32 traceRoot);
    event Bisected(uint256 indexed jobId, Phase phase, address mover, uint32 start, uint32 size);
    event OpFound(uint256 indexed jobId, uint32 op);
    event OpRootRevealed(uint256 indexed jobId, address mover, bytes32 opRoot, uint64 outLen);
    event ChunkFound(uint256 indexed jobId, uint32 op, uint32 chunkIndex);
    event OneStepChecked(uint256 indexed jobId, uint32 op, uint256 element, int256 claimed, int256 computed);
    event DisputeTimedOut(uint256 indexed jobId, address loser);
    event DisputeEnded(uint256 indexed jobId, bool workerWasRight);

    IJobMarket public immutable market;
    IModelRegistry public immutable models;
    OneStepVerifier public immutable verifier;
    /// @notice Seconds each party has for each move.
    uint64 public immutable moveTime;

    mapping(bytes32 => Shape) public shapeOf;
    mapping(uint256 => Game) internal _games;

    constructor(IJobMarket market_, IModelRegistry models_, OneStepVerifier verifier_, uint64 moveTime_) {
        market = market_;
        models = models_;
        verifier = verifier_;
        moveTime = moveTime_;
    }

    /// @notice The model's owner records its op count and graph-input count, once (the registry does not hold
    /// them). A dispute over a model without a shape cannot be opened, so challenges of it revert.
    function setShape(bytes32 modelId, uint32 opCount, uint32 inputCount) external {
        address owner = models.get(modelId).owner;
        if (msg.sender != owner) revert NotModelOwner(modelId, msg.sender, owner);
        if (shapeOf[modelId].opCount != 0) revert ShapeAlreadySet(modelId);
        if (opCount == 0) revert ShapeUnknown(modelId);
        shapeOf[modelId] = Shape(opCount, inputCount);
        emit ShapeSet(modelId, opCount, inputCount);
    }

    function game(uint256 jobId) external view returns (Game memory) {
        return _games[jobId];
    }

    /// @inheritdoc IDisputeGame
    function openDispute(uint256 jobId, address worker, address challenger, bytes32 modelId, bytes32, bytes32,
        bytes32 traceRoot) external
    {
        if (msg.sender != address(market)) revert NotMarket(msg.sender);
        Shape memory s = shapeOf[modelId];
        if (s.opCount == 0) revert ShapeUnknown(modelId);
        Game storage g = _games[jobId];
        Phase phase = g.phase;
        if (phase != Phase.None && phase != Phase.Ended) revert WrongPhase(jobId, phase);
        delete _games[jobId];
        g.worker = worker;
        g.challenger = challenger;
        g.modelId = modelId;
        g.traceRoot = traceRoot;
        g.opCount = s.opCount;
        g.inputCount = s.inputCount;
        _turn(g, Phase.ChallengerRoot, true);
        emit DisputeOpened(jobId, worker, challenger, traceRoot);
    }

    /// @notice The challenger's trace root; it must differ from the worker's.
    function commitTrace(uint256 jobId, bytes32 traceRoot) external {
        Game storage g = _move(jobId, Phase.ChallengerRoot);
        if (traceRoot == g.traceRoot) revert SameTraceRoot(jobId, traceRoot);
        g.workerNode = g.traceRoot;
        g.challengerNode = traceRoot;
        g.start = 0;
        g.size = g.opCount;
        g.count = g.opCount;
        emit TraceCommitted(jobId, traceRoot);
        _descendOrLeaf(jobId, g, true);
    }

    /// @notice Reveals the two children of the current node of the mover's tree (trace or chunk bisection).
    function bisect(uint256 jobId, bytes32 left, bytes32 right) external {
        Game storage g = _games[jobId];
        Phase phase = g.phase;
        if (phase != Phase.Trace && phase != Phase.Chunks) revert WrongPhase(jobId, phase);
        _move(jobId, phase);
        bytes32 node = g.challengerMoves ? g.challengerNode : g.workerNode;
        if (Merkle.nodeHash(left, right) != node) revert RevealInvalid(jobId, node, left, right);
        emit Bisected(jobId, phase, msg.sender, g.start, g.size);
        if (!g.challengerMoves) {
            g.workerLeft = left;
            g.workerRight = right;
            _turn(g, phase, true);
            return;
        }
        uint32 k = uint32(Merkle.split(g.size));
        if (left != g.workerLeft) {
            (g.workerNode, g.challengerNode, g.size) = (g.workerLeft, left, k);
        } else {
            if (right == g.workerRight) revert ChildrenIdentical(jobId);
            (g.workerNode, g.challengerNode, g.start, g.size) = (g.workerRight, right, g.start + k, g.size - k);
        }
        _descendOrLeaf(jobId, g, phase == Phase.Trace);
    }

    /// @notice At the disputed op: each party reveals its output root for the op (the worker first); the worker also
    /// declares the output's length in bytes (`outLen` is ignored from the challenger).
    function revealOpRoot(uint256 jobId, bytes32 opRoot, uint64 outLen) external {
        Game storage g = _move(jobId, Phase.OpRoot);
        bytes32 node = g.challengerMoves ? g.challengerNode : g.workerNode;
        if (Merkle.leafHashOf(opRoot) != node) revert OpRootInvalid(jobId, node, opRoot);
        emit OpRootRevealed(jobId, msg.sender, opRoot, g.challengerMoves ? g.outLen : outLen);
        if (!g.challengerMoves) {
            g.workerOpRoot = opRoot;
            g.outLen = outLen;
            _turn(g, Phase.OpRoot, true);
            return;
        }
        uint32 n = uint32(Chunks.count(g.outLen));
        (g.workerNode, g.challengerNode, g.start, g.size, g.count) = (g.workerOpRoot, opRoot, 0, n, n);
        _descendOrLeaf(jobId, g, false);
    }

    /// @notice The challenger's last move: the worker's disputed chunk and the proofs to recompute one element of
    /// it. Ends the dispute: the worker loses if its element differs from the recomputed one, else the challenger.
    function oneStep(uint256 jobId, bytes calldata chunk, uint256 elementInChunk, OneStepVerifier.Proof calldata proof)
        external
    {
        Game storage g = _move(jobId, Phase.OneStep);
        if (Merkle.leafHash(chunk) != g.workerNode) revert ChunkInvalid(jobId, g.start, g.workerNode);
        OneStepVerifier.Context memory c = OneStepVerifier.Context({
            weightsRoot: models.get(g.modelId).weightsRoot, traceRoot: g.traceRoot, op: g.op, opCount: g.opCount,
            inputCount: g.inputCount, outLen: g.outLen, chunkIndex: g.start, elementInChunk: elementInChunk
        });
        (int256 computed, uint256 outBytes) = verifier.recompute(c, proof);
        int256 claimed = Chunks.le(chunk, elementInChunk * outBytes, outBytes);
        emit OneStepChecked(jobId, g.op, g.start * (Chunks.CHUNK / outBytes) + elementInChunk, claimed, computed);
        _end(jobId, g, claimed == computed);
    }

    /// @notice After the mover's deadline, anyone ends the dispute against the party that failed to move.
    function timeout(uint256 jobId) external {
        Game storage g = _games[jobId];
        Phase phase = g.phase;
        if (phase == Phase.None || phase == Phase.Ended) revert WrongPhase(jobId, phase);
        if (block.timestamp <= g.deadline) revert DeadlineNotReached(jobId, g.deadline, block.timestamp);
        emit DisputeTimedOut(jobId, g.challengerMoves ? g.challenger : g.worker);
        _end(jobId, g, g.challengerMoves);
    }

    // ---- internals ----

    function _move(uint256 jobId, Phase phase) private view returns (Game storage g) {
        g = _games[jobId];
        if (g.phase != phase) revert WrongPhase(jobId, g.phase);
        address mover = g.challengerMoves ? g.challenger : g.worker;
        if (msg.sender != mover) revert NotYourMove(jobId, msg.sender, mover);
        if (block.timestamp > g.deadline) revert DeadlinePassed(jobId, g.deadline, block.timestamp);
    }

    /// @dev After a node has been chosen: a leaf ends the current bisection, an inner node asks the worker to reveal.
    function _descendOrLeaf(uint256 jobId, Game storage g, bool trace) private {
        if (g.size > 1) {
            _turn(g, trace ? Phase.Trace : Phase.Chunks, false);
        } else if (trace) {
            g.op = g.start;
            emit OpFound(jobId, g.start);
            _turn(g, Phase.OpRoot, false);
        } else {
            emit ChunkFound(jobId, g.op, g.start);
            _turn(g, Phase.OneStep, true);
        }
    }

    function _turn(Game storage g, Phase phase, bool challengerMoves) private {
        g.phase = phase;
        g.challengerMoves = challengerMoves;
        g.deadline = uint64(block.timestamp) + moveTime;
    }

    function _end(uint256 jobId, Game storage g, bool workerWasRight) private {
        g.phase = Phase.Ended;
        emit DisputeEnded(jobId, workerWasRight);
        market.resolveDispute(jobId, workerWasRight);
    }
}
