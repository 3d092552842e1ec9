// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeGame} from "./interfaces/IDisputeGame.sol";
import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {Merkle} from "./onestep/Merkle.sol";
import {Chunks} from "./onestep/Chunks.sol";
import {OneStepVerifier} from "./onestep/OneStepVerifier.sol";
import {OneStepBase} from "./onestep/OneStepBase.sol";

/// @title The dispute game: bisection over the trace, then over one op's output chunks, then a one-step check
/// @notice Rules (docs/PROTOCOL.md, "Dispute game"):
/// 1. The market opens a dispute with the worker's trace root. The challenger commits its own, different, trace root
///    — or, agreeing with the trace but not with the posted output, calls {disputeOutput}, which settles at once.
/// 2. Trace bisection, down the RFC 6962 tree over the per-op output roots: at each node both parties reveal the
///    node's two children (the worker first); the game descends into the left child if the left children differ,
///    else into the right. It ends at the first op whose output roots differ; every earlier op's root agrees.
/// 3. At that leaf both reveal the op's output root; the op's output length (hence its chunk count) follows from the
///    model's registered length rules and the job input's length. Chunk bisection then runs the same way down the
///    op's output chunk tree to one chunk whose leaf hashes differ.
/// 4. Reveal: the worker publishes its bytes of that chunk ({revealChunk}, checked against its leaf hash, emitted in
///    {ChunkRevealed}), so the challenger never needs data only the worker holds; a worker that does not reveal loses
///    by {timeout}.
/// 5. One-step: the challenger supplies the revealed chunk bytes, one element of it, and the proofs the
///    {OneStepVerifier} needs to recompute that element from the op's inputs (earlier op outputs, proven against
///    the CHALLENGER's trace root — equal to the worker's on every earlier op, see {oneStep} — or the job input) and
///    the op's parameters (proven against the model's registered weights root). If the worker's element differs from
///    the recomputed one the worker loses, else the challenger.
/// A party that does not move within `moveTime` of the previous move loses; anyone may call {timeout}. Every ending
/// calls `IJobMarket.resolveDispute` exactly once.
/// @dev Chunk bisection and trace bisection share one move function, {bisect}. The game holds no money.
contract DisputeGame is IDisputeGame {
    enum Phase { None, ChallengerRoot, Trace, OpRoot, Chunks, Reveal, OneStep, Ended }

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
        uint64 outLen; // the op's output byte length, from the model's length rules
        bytes32 modelId;
        bytes32 traceRoot; // the worker's
        bytes32 workerNode;
        bytes32 challengerNode;
        bytes32 workerLeft; // the worker's revealed children of the current node
        bytes32 workerRight;
        bytes32 workerOpRoot;
        bytes32 outputHash; // SHA-256 of the posted output bytes
        bytes32 inputRoot; // tensor root of the job's input bytes (docs/COMMITMENTS.md)
        bytes32 challengerTraceRoot; // the challenger's, once committed
    }

    /// @notice The facts about a model the game needs and the registry does not hold: its number of ops (the leaf
    /// count of the trace and weights trees), of graph inputs (value ids below it are graph inputs), the op whose
    /// output is the job's output (a job's output bytes are that op's output tensor), and the keccak-256 of its length
    /// rules: for each op, four big-endian uint32 (num, den, add, aux), its output length in bytes being
    /// `num · inputLength / den + add` for a job input of `inputLength` bytes (every op of a model whose shapes scale
    /// with one sequence length, or are fixed, has such a rule); `aux` is, for ReduceMean and Gather, the product of
    /// the input's dimensions after the axis, for Conv2d the input's width, for MaxPool2d and AvgPool2d the input's
    /// height · 2^16 + width (0 for other ops); then one more rule (record `opCount`) for the graph input itself, its
    /// length by the same formula and `aux` its dtype code (1 = I8, 2 = I16, 3 = I32), so that the one-step can prove
    /// a graph-input operand chunk by chunk against the job's input root. `16 · (opCount + 1)` bytes in all.
    struct Shape {
        uint32 opCount;
        uint32 inputCount;
        uint32 outputOp;
        bytes32 lengthsHash;
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
    error OutputInvalid(uint256 jobId, bytes32 outputHash, bytes32 given);
    error OutputOpRootInvalid(uint256 jobId, uint32 op, bytes32 opRoot);
    error LengthsInvalid(bytes32 modelId, bytes32 lengthsHash, bytes32 given);
    error InputInvalid(uint256 jobId, bytes32 inputRoot, bytes32 given);

    event ShapeSet(bytes32 indexed modelId, uint32 opCount, uint32 inputCount, uint32 outputOp, bytes32 lengthsHash);
    event OutputChecked(uint256 indexed jobId, bytes32 outputRoot, bytes32 opRoot);
    event DisputeOpened(uint256 indexed jobId, address indexed worker, address indexed challenger, bytes32 traceRoot);
    event TraceCommitted(uint256 indexed jobId, bytes32 traceRoot);
    event Bisected(uint256 indexed jobId, Phase phase, address mover, uint32 start, uint32 size);
    event OpFound(uint256 indexed jobId, uint32 op);
    event OpRootRevealed(uint256 indexed jobId, address mover, bytes32 opRoot, uint64 outLen);
    event ChunkFound(uint256 indexed jobId, uint32 op, uint32 chunkIndex);
    event ChunkRevealed(uint256 indexed jobId, uint32 op, uint32 chunkIndex, bytes chunk);
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
    function setShape(bytes32 modelId, uint32 opCount, uint32 inputCount, uint32 outputOp, bytes32 lengthsHash)
        external
    {
        address owner = models.get(modelId).owner;
        if (msg.sender != owner) revert NotModelOwner(modelId, msg.sender, owner);
        if (shapeOf[modelId].opCount != 0) revert ShapeAlreadySet(modelId);
        if (opCount == 0 || outputOp >= opCount || lengthsHash == 0) revert ShapeUnknown(modelId);
        shapeOf[modelId] = Shape(opCount, inputCount, outputOp, lengthsHash);
        emit ShapeSet(modelId, opCount, inputCount, outputOp, lengthsHash);
    }

    function game(uint256 jobId) external view returns (Game memory) {
        return _games[jobId];
    }

    /// @inheritdoc IDisputeGame
    function openDispute(uint256 jobId, address worker, address challenger, bytes32 modelId, bytes32 inputRoot,
        bytes32 outputHash, bytes32 traceRoot) external
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
        g.outputHash = outputHash;
        g.inputRoot = inputRoot;
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
        g.challengerTraceRoot = traceRoot;
        g.start = 0;
        g.size = g.opCount;
        g.count = g.opCount;
        emit TraceCommitted(jobId, traceRoot);
        _descendOrLeaf(jobId, g, true);
    }

    /// @notice Instead of {commitTrace}: the challenger agrees with the trace but not with the posted output. It supplies
    /// the output bytes (checked against the posted output hash) and the output op's root proven against the worker's
    /// trace root; the game computes the bytes' tensor root. Ends the dispute: the worker loses if the two differ.
    function disputeOutput(uint256 jobId, bytes calldata output, bytes32 opRoot, bytes32[] calldata traceProof) external {
        Game storage g = _move(jobId, Phase.ChallengerRoot);
        bytes32 h = sha256(output);
        if (h != g.outputHash) revert OutputInvalid(jobId, g.outputHash, h);
        uint32 op = shapeOf[g.modelId].outputOp;
        if (!Merkle.verify(g.traceRoot, Merkle.leafHashOf(opRoot), op, g.opCount, traceProof)) {
            revert OutputOpRootInvalid(jobId, op, opRoot);
        }
        bytes32 root = Chunks.rootOf(output);
        emit OutputChecked(jobId, root, opRoot);
        _end(jobId, g, root == opRoot);
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

    /// @notice At the disputed op: each party reveals its output root for the op (the worker first). The worker also
    /// supplies the model's length rules and, when the op's rule depends on it, the job input (checked against the
    /// registered hash and the job's input root); the game computes the op's output length from them. The challenger
    /// passes both empty.
    function revealOpRoot(uint256 jobId, bytes32 opRoot, bytes calldata lengths, bytes calldata input) external {
        Game storage g = _move(jobId, Phase.OpRoot);
        bytes32 node = g.challengerMoves ? g.challengerNode : g.workerNode;
        if (Merkle.leafHashOf(opRoot) != node) revert OpRootInvalid(jobId, node, opRoot);
        if (!g.challengerMoves) {
            g.workerOpRoot = opRoot;
            g.outLen = _outLen(jobId, g, lengths, input);
            emit OpRootRevealed(jobId, msg.sender, opRoot, g.outLen);
            _turn(g, Phase.OpRoot, true);
            return;
        }
        emit OpRootRevealed(jobId, msg.sender, opRoot, g.outLen);
        uint32 n = uint32(Chunks.count(g.outLen));
        (g.workerNode, g.challengerNode, g.start, g.size, g.count) = (g.workerOpRoot, opRoot, 0, n, n);
        _descendOrLeaf(jobId, g, false);
    }

    /// @notice The worker's move after the chunk bisection: its bytes of the disputed chunk, checked against the leaf
    /// hash the bisection reached in its op's chunk tree (its op root when the op has one chunk), and published in
    /// {ChunkRevealed} so that the challenger can build the one-step from the chain alone. Not revealing in time loses.
    function revealChunk(uint256 jobId, bytes calldata chunk) external {
        Game storage g = _move(jobId, Phase.Reveal);
        if (Merkle.leafHash(chunk) != g.workerNode) revert ChunkInvalid(jobId, g.start, g.workerNode);
        emit ChunkRevealed(jobId, g.op, g.start, chunk);
        _turn(g, Phase.OneStep, true);
    }

    /// @notice The challenger's last move: the chunk the worker revealed (the same bytes, checked against the same
    /// leaf hash) and the proofs to recompute one element of it. Ends the dispute: the worker loses if its element
    /// differs from the recomputed one, else the challenger.
    /// @dev Operand op roots are proven against the CHALLENGER's trace root, which the challenger knows entirely.
    /// Why this is sound: the verifier accepts only operands produced by ops `p < g.op` (`OperandNotEarlier`), and
    /// the trace bisection established that both traces have the same leaf at every index `p < g.op`. Proof: the
    /// bisection walks from the root to leaf `g.op`; at each inner node on that path the challenger's move either
    /// (a) descends left because the left children differ — the leaves to the left of the path are unchanged — or
    /// (b) descends right because the left children are EQUAL (`left == g.workerLeft`), so every leaf of that left
    /// subtree is equal in both trees (equal RFC 6962 subtree hashes, with the same shape `Merkle.split(size)`, imply
    /// equal leaves unless SHA-256 collides). Both children were checked against each side's node, and each side's
    /// node against its parent, up to the two committed roots, so these are the committed traces' subtrees. Every
    /// leaf `p < g.op` lies in exactly one left subtree passed in case (b) (the leaves left of the path are the union
    /// of those subtrees), hence `leafHashOf(workerOpRoot[p]) == leafHashOf(challengerOpRoot[p])`, hence equal op
    /// roots. So an operand proven against the challenger's root is the one the worker's trace committed: a worker
    /// cannot be judged on inputs it did not claim, and the challenger needs none of the worker's data.
    function oneStep(uint256 jobId, bytes calldata chunk, uint256 elementInChunk, OneStepBase.Proof calldata proof)
        external
    {
        Game storage g = _move(jobId, Phase.OneStep);
        if (Merkle.leafHash(chunk) != g.workerNode) revert ChunkInvalid(jobId, g.start, g.workerNode);
        OneStepBase.Context memory c = OneStepBase.Context({
            weightsRoot: models.get(g.modelId).weightsRoot, traceRoot: g.challengerTraceRoot, op: g.op, opCount: g.opCount,
            inputCount: g.inputCount, outLen: g.outLen, chunkIndex: g.start, elementInChunk: elementInChunk,
            inputRoot: g.inputRoot, lengthsHash: shapeOf[g.modelId].lengthsHash
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

    /// @dev The disputed op's output length from its length rule.
    function _outLen(uint256 jobId, Game storage g, bytes calldata lengths, bytes calldata input)
        private view returns (uint64)
    {
        bytes32 want = shapeOf[g.modelId].lengthsHash;
        bytes32 got = keccak256(lengths);
        if (got != want || lengths.length != 16 * (uint256(g.opCount) + 1)) revert LengthsInvalid(g.modelId, want, got);
        uint256 rule = 16 * uint256(g.op);
        uint256 num = uint32(bytes4(lengths[rule:rule + 4]));
        uint256 den = uint32(bytes4(lengths[rule + 4:rule + 8]));
        uint256 add = uint32(bytes4(lengths[rule + 8:rule + 12]));
        if (num == 0) return uint64(add);
        if (den == 0) revert LengthsInvalid(g.modelId, want, got);
        bytes32 h = Chunks.rootOf(input);
        if (h != g.inputRoot) revert InputInvalid(jobId, g.inputRoot, h);
        return uint64(num * input.length / den + add);
    }

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
            _turn(g, Phase.Reveal, false);
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
