using Verity.Compiler.Float;
using Verity.Engine.Tensors;

namespace Verity.Compiler.Lowering;

/// <summary>What the compiler knows about an ONNX tensor while lowering (compile-time folding lattice).</summary>
internal abstract record Sym;

/// <summary>A compile-time constant.</summary>
internal sealed record ConstSym(FloatTensor Value) : Sym;

/// <summary>A tensor of one repeated value whose shape depends on the input (e.g. an all-ones attention mask).</summary>
internal sealed record FillSym(float Value) : Sym;

/// <summary>A shape vector whose entries may be the dynamic sequence length <see cref="Lowerer.SeqLen"/>.</summary>
internal sealed record ShapeSym(long[] Dims, bool Scalar) : Sym;

/// <summary>The position ids 0..S−1.</summary>
internal sealed record ArangeSym : Sym;

/// <summary>The token ids input (value id).</summary>
internal sealed record IdsSym(int Value) : Sym;

/// <summary>A partial embedding sum: rows picked by token ids, by position, and a constant row, not yet materialised.</summary>
internal sealed record EmbedSym(FloatTensor? Word, FloatTensor? Pos, float[]? Row, int Ids) : Sym;

/// <summary>An integer tensor of the compiled graph: real value = q·Scale; Shape may contain <see cref="Lowerer.SeqLen"/>.</summary>
internal sealed record ActSym(int Value, DType Type, double Scale, long[] Shape) : Sym;

/// <summary>A transpose not yet emitted: a MatMul reads it in place; anything else materialises it.</summary>
internal sealed record TransposedSym(ActSym Source, int[] Perm) : Sym;
