using Verity.Compiler.Onnx;
var m = OnnxReader.Load(args[0]);
Console.WriteLine($"opset {m.OpsetVersion} nodes {m.Nodes.Count} inits {m.Initializers.Count}");
foreach (var i in m.Inputs) Console.WriteLine($"in {i.Name} {i.ElementType} [{string.Join(",", i.Shape)}]");
foreach (var i in m.Outputs) Console.WriteLine($"out {i.Name} {i.ElementType} [{string.Join(",", i.Shape)}]");
foreach (var n in m.Nodes) Console.WriteLine($"{n.OpType} {n.Name} ({string.Join(",", n.Inputs)}) -> ({string.Join(",", n.Outputs)}) {string.Join(" ", n.Attributes.Values.Select(a => a.Name + "=" + (a.Kind switch { OnnxAttributeKind.Int => a.I.ToString(), OnnxAttributeKind.Ints => "[" + string.Join(",", a.Ints) + "]", OnnxAttributeKind.Float => a.F.ToString(), OnnxAttributeKind.String => a.S, OnnxAttributeKind.Tensor => "T[" + string.Join(",", a.T!.Dims) + "]", _ => a.Kind.ToString() })))}");
