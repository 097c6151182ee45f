using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.Spatial;

/// <summary>
/// Spatial program for Taurus (Homunculus' style): integers as <c>FixPt[TRUE,_32,_0]</c>, one
/// pipelined stage per layer with fully unrolled multiplies and reduce trees, ReLU as max, arithmetic
/// shift, clamp, argmax via Reduce. Weights and biases live in LUTs loaded from CSV files (one per
/// layer's weights, one per bias vector, one per one-hot lookup). Writes
/// <c>taurus/&lt;PascalName&gt;.scala</c> and <c>taurus/weights/*.csv</c>; the CSV files carry no
/// header line because <c>LUT.fromFile</c> reads every value in them.
/// </summary>
public sealed class SpatialEmitter : IEmitter
{
    public const string GeneratorName = "Homunculus.Compiler SpatialEmitter";

    /// <summary>Folder of the weight files, relative to the program's folder (as the program names them).</summary>
    public const string WeightsFolder = "weights";

    /// <summary>Bits of a class index in the argmax key (so at most 256 classes).</summary>
    private const int ClassKeyBits = 8;

    public string Target => "taurus";

    public bool Supports(ModelFile model) =>
        Schedules.Of(model) is not null ? SpatialSchedule.Supports(model, this) :
        SpatialPacketFields.Supports(model) && SpatialTreeLowering.Supports(model) ||
        SpatialPacketFields.Supports(model) &&
        model.Model is MlpModel mlp
        && mlp.Layers.Count > 0
        && mlp.Layers[mlp.Layers.Count - 1].Outputs is > 0 and <= 1 << ClassKeyBits
        && (mlp.OutputClasses.Count == 0 || mlp.OutputClasses.Count == mlp.Layers[mlp.Layers.Count - 1].Outputs)
        && mlp.Inputs.All(i => i.Transform != InputTransform.Square || i.Base is InputTransform.Identity or InputTransform.Log2Compand);

    public IReadOnlyList<GeneratedFile> Emit(ModelFile model)
    {
        if (Schedules.Of(model) is not null) return SpatialSchedule.Emit(model, this);
        if (model.Model is TreeEnsembleModel && SpatialTreeLowering.Supports(model)) return SpatialTreeLowering.Emit(model, Target);
        if (model.Model is not MlpModel mlp || !Supports(model))
            throw new NotSupportedException($"the taurus target cannot run model kind '{model.Model.Kind}' of this shape");
        CheckShape(model, mlp);
        CheckDistinctNames(model);

        var scope = SpatialScope.Of(model);
        var groups = OneHotGroup.Build(model, mlp, scope);
        string objectName = ObjectName(model.Name);
        var files = new List<GeneratedFile> { new GeneratedFile($"{Target}/{objectName}.scala", WriteProgram(model, mlp, groups, objectName, scope)) };
        files.AddRange(WeightFiles(mlp, groups, scope));
        return files;
    }

    /// <summary>The weight, bias and one-hot files of a network, under the program's folder.</summary>
    internal IEnumerable<GeneratedFile> WeightFiles(MlpModel mlp, IReadOnlyList<OneHotGroup> groups, SpatialScope scope)
    {
        for (int k = 0; k < mlp.Layers.Count; k++)
        {
            var layer = mlp.Layers[k];
            yield return new GeneratedFile($"{Target}/{scope.WeightsPath(k)}", Csv(layer.Outputs, layer.Inputs, (j, i) => layer.Weight(j, i)));
            yield return new GeneratedFile($"{Target}/{scope.BiasesPath(k)}", Csv(1, layer.Outputs, (_, j) => layer.Biases[j]));
        }
        foreach (var g in groups.Where(g => g.Rows > 0))
        {
            yield return new GeneratedFile($"{Target}/{g.Path}", Csv(g.Rows, g.Columns.Count, (r, c) => g.Value(r, c)));
        }
    }

    // ---- names ----

    /// <summary>PascalCase object (and file) name; never "_" or a leading underscore.</summary>
    public static string ObjectName(string name)
    {
        string pascal = Identifiers.CSharp(name).TrimStart('@');
        if (pascal == "_") return "Model";
        return pascal[0] == '_' ? "Model" + pascal.Substring(1) : pascal;
    }

    internal static string Field(FeatureEncoding f) => "f_" + Identifiers.Snake(f.Name);

    private static string Snake(FeatureEncoding f) => Identifiers.Snake(f.Name);

    /// <summary>Spatial's unsigned type of a feature field (the width it has in the feature header).</summary>
    internal static string FieldType(FeatureEncoding f) => $"U{f.FieldBits}";


    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>An unsigned literal of the field type (a Long literal beyond the Int range).</summary>
    private static string Unsigned(long value, FeatureEncoding f) =>
        value > int.MaxValue ? $"{Int(value)}L.to[{FieldType(f)}]" : $"{Int(value)}.to[{FieldType(f)}]";

    /// <summary>A signed 32-bit literal.</summary>
    private static string Signed(long value) => $"{Int(value)}.to[T]";

    internal static void CheckDistinctNames(ModelFile model)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in model.Features)
        {
            if (!seen.Add(Field(f)))
                throw new InvalidOperationException($"two features map to the identifier '{Field(f)}'; rename one of them");
        }
    }

    internal static void CheckShape(ModelFile model, MlpModel mlp)
    {
        if (mlp.Layers[0].Inputs != mlp.Inputs.Count)
            throw new InvalidOperationException($"layer 0 has {mlp.Layers[0].Inputs} inputs but the model lists {mlp.Inputs.Count}");
        for (int k = 0; k < mlp.Layers.Count; k++)
        {
            var layer = mlp.Layers[k];
            if (layer.Inputs <= 0 || layer.Outputs <= 0)
                throw new InvalidOperationException($"layer {k} is empty");
            if (layer.Weights.Count != layer.Inputs * layer.Outputs || layer.Biases.Count != layer.Outputs)
                throw new InvalidOperationException($"layer {k}: weights/biases do not match {layer.Outputs} x {layer.Inputs}");
            if (k > 0 && layer.Inputs != mlp.Layers[k - 1].Outputs)
                throw new InvalidOperationException($"layer {k} has {layer.Inputs} inputs but layer {k - 1} has {mlp.Layers[k - 1].Outputs} outputs");
        }
        foreach (var input in mlp.Inputs)
        {
            if (input.Feature < 0 || input.Feature >= model.Features.Count)
                throw new InvalidOperationException($"an input refers to feature {input.Feature}, which does not exist");
        }
    }

    /// <summary>Rows of comma-separated integers, one line per row, "\n" line ends.</summary>
    internal static string Csv(int rows, int columns, Func<int, int, int> value)
    {
        var w = new CodeWriter();
        for (int r = 0; r < rows; r++)
        {
            w.Line(string.Join(",", Enumerable.Range(0, columns).Select(c => Int(value(r, c)))));
        }
        return w.ToString();
    }

    // ---- the program ----

    /// <summary>The types a network's program declares (a tree program needs only T).</summary>
    internal static readonly string[] NetworkTypes =
    {
        "type T = FixPt[TRUE, _32, _0]   // accumulators and weights: 32-bit signed integers",
        $"type K = FixPt[TRUE, _64, _0]   // argmax key: accumulator << {ClassKeyBits} | ({(1 << ClassKeyBits) - 1} - class)",
    };

    private static string WriteProgram(ModelFile model, MlpModel mlp, IReadOnlyList<OneHotGroup> groups, string objectName, SpatialScope scope) =>
        WriteApp(model, objectName,
            new[]
            {
                "Taurus MapReduce block, in Spatial. Integer semantics of the reference interpreter: 32-bit signed",
                "accumulators (FixPt[TRUE,_32,_0], wrapping), ReLU as max, arithmetic shift, clamp, argmax (lowest",
                "index wins ties). Weight files are read from ./weights, relative to the folder of this file.",
            },
            NetworkTypes,
            w => WriteBody(w, model, mlp, groups, scope));

    /// <summary>The network's memories and controllers: inputs, one stage per layer, the argmax into the scope's result.</summary>
    internal static void WriteBody(CodeWriter w, ModelFile model, MlpModel mlp, IReadOnlyList<OneHotGroup> groups, SpatialScope scope)
    {
        WriteMemories(w, model, mlp, groups, scope);
        w.Line();
        WriteInputs(w, model, mlp, groups, scope);
        for (int k = 0; k < mlp.Layers.Count; k++)
        {
            w.Line();
            WriteLayer(w, mlp, k);
        }
        w.Line();
        WriteArgMax(w, mlp, scope);
    }

    /// <summary>
    /// The program every model family shares around its Accel body: header, description, the app object,
    /// one ArgIn per encoded feature field (docs/feature-header.md) and the class index as the result.
    /// </summary>
    /// <param name="results">The ArgOuts the class (or each model's class) goes to, with their comments; null: one, <c>result</c>.</param>
    internal static string WriteApp(ModelFile model, string objectName, IReadOnlyList<string> description, IReadOnlyList<string> types, Action<CodeWriter> accel,
        IReadOnlyList<(string Name, string Comment, string Label)>? results = null)
    {
        results ??= new[] { ("result", "class index", "class") };
        var w = new CodeWriter("  ");
        GeneratedHeader.Write(w, GeneratorName, model);
        foreach (var line in description) w.Line("// " + line);
        for (int c = 0; c < model.Classes.Count; c++)
            w.Line($"// class {c}: '{Escaping.Comment(model.Classes[c].Name)}'");
        w.Line();
        w.Line("import spatial.dsl._");
        w.Line();
        using (w.Block($"@spatial object {objectName} extends SpatialApp {{"))
        {
            foreach (var type in types) w.Line(type);
            w.Line();
            using (w.Block("def main(args: Array[String]): Unit = {"))
            {
                foreach (var line in SpatialPacketFields.InputsComment(model)) w.Line("// " + line);
                for (int i = 0; i < model.Features.Count; i++)
                {
                    var f = model.Features[i];
                    w.Line($"val {Field(f)} = ArgIn[{FieldType(f)}]   // feature {i} '{Escaping.Comment(f.Name)}', {f.Kind}{SpatialPacketFields.Source(f)}");
                }
                foreach (var (name, comment, _) in results) w.Line($"val {name} = ArgOut[T]   // {comment}");
                for (int i = 0; i < model.Features.Count; i++)
                {
                    var f = model.Features[i];
                    w.Line($"setArg({Field(f)}, args({i}).to[{FieldType(f)}])");
                }
                w.Line();
                using (w.Block("Accel {"))
                {
                    accel(w);
                }
                w.Line();
                foreach (var (name, _, label) in results) w.Line($"println(\"{label}: \" + getArg({name}))");
            }
        }
        return w.ToString();
    }

    private static string LayerOut(int k) => $"l{k}";

    private static void WriteMemories(CodeWriter w, ModelFile model, MlpModel mlp, IReadOnlyList<OneHotGroup> groups, SpatialScope scope)
    {
        w.Line("// weights [output][input] and biases, one LUT each (memory units)");
        for (int k = 0; k < mlp.Layers.Count; k++)
        {
            var layer = mlp.Layers[k];
            w.Line($"val l{k}_w = LUT.fromFile[T]({layer.Outputs}, {layer.Inputs})(\"{scope.WeightsPath(k)}\")");
            w.Line($"val l{k}_b = LUT.fromFile[T]({layer.Outputs})(\"{scope.BiasesPath(k)}\")");
        }
        foreach (var g in groups.Where(g => g.Rows > 0))
        {
            w.Line($"val {g.LutName} = LUT.fromFile[T]({g.Rows}, {g.Columns.Count})(\"{g.Path}\")   // one-hot of feature {g.Feature} '{Escaping.Comment(model.Features[g.Feature].Name)}'");
        }
        if (mlp.OutputClasses.Count > 0)
            w.Line($"val output_class = LUT[T]({mlp.OutputClasses.Count})({string.Join(", ", mlp.OutputClasses.Select(c => Signed(c)))})   // class of each output");
        w.Line($"val x = RegFile[T]({mlp.Inputs.Count})   // layer-0 inputs");
        for (int k = 0; k < mlp.Layers.Count; k++)
        {
            w.Line($"val {LayerOut(k)} = RegFile[T]({mlp.Layers[k].Outputs})   // layer-{k} outputs");
        }
    }

    private static void WriteInputs(CodeWriter w, ModelFile model, MlpModel mlp, IReadOnlyList<OneHotGroup> groups, SpatialScope scope)
    {
        int m = Compand.MantissaBits;
        int mask = (1 << m) - 1;
        w.Line("// inputs: encoded fields -> layer-0 inputs (companding by a mux chain, one-hot by lookup)");
        using (w.Block("Pipe {"))
        {
            var companded = new HashSet<int>();
            var groupDone = new HashSet<int>();
            var fieldRead = new HashSet<int>();
            string ReadField(FeatureEncoding f, int fi) =>
                fieldRead.Add(fi) ? $"val v_{Snake(f)} = {scope.Values[fi]}" : "";
            void EnsureCompanded(FeatureEncoding f, int fi)
            {
                if (!companded.Add(fi)) return;
                string snake = Snake(f);
                w.Line($"// '{Escaping.Comment(f.Name)}': log2 compand; each step takes over when the value is >= 2^p");
                string read = ReadField(f, fi);
                if (read.Length > 0) w.Line(read);
                string previous = $"v_{snake}";
                for (int p = Compand.FirstLogPosition; p < f.FieldBits; p++)
                {
                    int high = (p - m + 1) << m;
                    string name = $"c{p}_{snake}";
                    w.Line($"val {name} = mux(v_{snake} >= {Unsigned(1L << p, f)}, ((v_{snake} >> {p - m}) & {Unsigned(mask, f)}) | {Unsigned(high, f)}, {previous})");
                    previous = name;
                }
                w.Line($"val c_{snake} = {previous}.to[T]");
            }
            for (int i = 0; i < mlp.Inputs.Count; i++)
            {
                var input = mlp.Inputs[i];
                var f = model.Features[input.Feature];
                string snake = Snake(f);
                switch (input.Transform)
                {
                    case InputTransform.Identity:
                        w.Line($"x({i}) = {scope.Values[input.Feature]}.to[T]   // '{Escaping.Comment(f.Name)}'");
                        break;
                    case InputTransform.Log2Compand:
                        EnsureCompanded(f, input.Feature);
                        w.Line($"x({i}) = c_{snake}");
                        break;
                    case InputTransform.Square:
                        // The identity or companded value as a 32-bit integer, times itself (wrapping, as in C#).
                        string squared;
                        if (input.Base == InputTransform.Log2Compand)
                        {
                            EnsureCompanded(f, input.Feature);
                            squared = $"c_{snake}";
                        }
                        else
                        {
                            squared = $"{scope.Values[input.Feature]}.to[T]";
                        }
                        w.Line($"x({i}) = {squared} * {squared}   // '{Escaping.Comment(f.Name)}' squared");
                        break;
                    case InputTransform.OneHot:
                        var g = groups.First(gr => gr.Feature == input.Feature);
                        if (g.Rows == 0)
                        {
                            w.Line($"x({i}) = 0.to[T]   // code {input.Code} never fits the field");
                            break;
                        }
                        if (groupDone.Add(input.Feature))
                        {
                            w.Line($"// '{Escaping.Comment(f.Name)}': one-hot by lookup; codes above {g.Rows - 2} share the all-zero last row");
                            string index = g.Clamped
                                ? $"mux(v_{snake} > {Unsigned(g.Rows - 2, f)}, {Unsigned(g.Rows - 1, f)}, v_{snake})"
                                : $"v_{snake}";
                            string read = ReadField(f, input.Feature);
                            if (read.Length > 0) w.Line(read);
                            w.Line($"val k_{snake} = {index}.to[I32]");
                        }
                        int column = g.Columns.IndexOf(i);
                        w.Line(column < 0
                            ? $"x({i}) = 0.to[T]   // code {input.Code} never fits the field"
                            : $"x({i}) = {g.LutName}(k_{snake}, {column})   // code {input.Code}");
                        break;
                    default:
                        throw new NotSupportedException(input.Transform.ToString());
                }
            }
        }
    }

    private static void WriteLayer(CodeWriter w, MlpModel mlp, int k)
    {
        var layer = mlp.Layers[k];
        string input = k == 0 ? "x" : LayerOut(k - 1);
        int shift = layer.Shift & 31; // C# int >> uses the low five bits of the count
        string activation = layer.Activation == Activation.Relu
            ? $"ReLU, >> {shift}, clamp to {Int(layer.ClampMax)}"
            : "no activation (raw accumulators)";
        w.Line($"// layer {k}: {layer.Inputs} inputs -> {layer.Outputs} outputs, {activation}; one pipelined stage");
        using (w.Block("Pipe {"))
        {
            using (w.Block($"Foreach(0 until {layer.Outputs} par {layer.Outputs}) {{ j =>"))
            {
                w.Line($"val dot = Reduce(Reg[T](0.to[T]))(0 until {layer.Inputs} par {layer.Inputs}) {{ i => l{k}_w(j, i) * {input}(i) }} {{ _ + _ }}");
                w.Line($"val acc = dot.value + l{k}_b(j)");
                if (layer.Activation == Activation.None)
                {
                    w.Line($"{LayerOut(k)}(j) = acc");
                }
                else
                {
                    string relu = "max(acc, 0.to[T])";
                    string shifted = shift == 0 ? relu : $"({relu} >> {shift})";
                    w.Line($"{LayerOut(k)}(j) = min({shifted}, {Signed(layer.ClampMax)})");
                }
            }
        }
    }

    private static void WriteArgMax(CodeWriter w, MlpModel mlp, SpatialScope scope)
    {
        int last = mlp.Layers.Count - 1;
        int outputs = mlp.Layers[last].Outputs;
        int low = (1 << ClassKeyBits) - 1;
        w.Line($"// argmax via Reduce over keys accumulator << {ClassKeyBits} | ({low} - class): the largest key is the largest");
        w.Line("// accumulator, and among equal accumulators the lowest class index");
        using (w.Block("Pipe {"))
        {
            w.Line($"val best = Reduce(Reg[K])(0 until {outputs} par {outputs}) {{ j => ({LayerOut(last)}(j).to[K] << {ClassKeyBits}) | ({low}.to[K] - j.to[K]) }} {{ (a, b) => max(a, b) }}");
            if (mlp.OutputClasses.Count == 0)
            {
                w.Line($"{scope.Result} := {low}.to[T] - (best.value & {low}.to[K]).to[T]");
            }
            else
            {
                w.Line("// outputs map to classes (e.g. k-means clusters to their majority class): look the winner's class up");
                w.Line($"{scope.Result} := output_class(({low}.to[K] - (best.value & {low}.to[K])).to[I32])");
            }
        }
    }

    /// <summary>The one-hot inputs of one categorical feature, looked up by code in a 0/1 LUT.</summary>
    internal sealed class OneHotGroup
    {
        public int Feature { get; private set; }

        /// <summary>Input indices (into the model's inputs) of the LUT's columns, in input order.</summary>
        public List<int> Columns { get; } = new List<int>();

        /// <summary>Codes of the columns.</summary>
        public List<int> Codes { get; } = new List<int>();

        /// <summary>LUT rows: codes 0..max code, plus an all-zero row for larger codes when the field can hold them; 0 when no code fits.</summary>
        public int Rows { get; private set; }

        /// <summary>Whether larger codes are mapped to the all-zero last row.</summary>
        public bool Clamped { get; private set; }

        public string LutName { get; private set; } = "";

        public string Path { get; private set; } = "";

        public int Value(int row, int column) => Codes[column] == row ? 1 : 0;

        public static IReadOnlyList<OneHotGroup> Build(ModelFile model, MlpModel mlp, SpatialScope scope)
        {
            var result = new List<OneHotGroup>();
            foreach (int fi in mlp.Inputs.Where(i => i.Transform == InputTransform.OneHot).Select(i => i.Feature).Distinct().OrderBy(i => i))
            {
                var f = model.Features[fi];
                long fieldMax = f.FieldBits == 32 ? uint.MaxValue : (1L << f.FieldBits) - 1;
                var g = new OneHotGroup { Feature = fi, LutName = "oh_" + Snake(f), Path = $"{scope.Weights}/onehot_{Snake(f)}.csv" };
                for (int i = 0; i < mlp.Inputs.Count; i++)
                {
                    var input = mlp.Inputs[i];
                    if (input.Transform != InputTransform.OneHot || input.Feature != fi) continue;
                    if (input.Code < 0 || input.Code > fieldMax) continue; // never 1: written as constant 0
                    g.Columns.Add(i);
                    g.Codes.Add(input.Code);
                }
                if (g.Codes.Count > 0)
                {
                    int maxCode = g.Codes.Max();
                    g.Clamped = maxCode < fieldMax;
                    g.Rows = g.Clamped ? maxCode + 2 : maxCode + 1;
                }
                result.Add(g);
            }
            return result;
        }
    }
}
