using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.P4V1Model;

/// <summary>
/// BMv2 simple_switch (v1model) program for an MLP: the model is computed in the ingress control with
/// the integer semantics of <see cref="ReferenceInterpreter"/> (32-bit wrapping <c>int&lt;32&gt;</c>
/// accumulators, constant weights, ReLU by comparison, arithmetic shift, clamp, argmax with the lowest
/// index winning ties). Writes <c>bmv2/&lt;snake name&gt;.p4</c> and, when the program has tables
/// (one-hot lookups), <c>bmv2/&lt;snake name&gt;.commands.txt</c> with the same entries as
/// simple_switch_CLI <c>table_add</c> commands.
/// </summary>
public sealed class Bmv2Emitter : IEmitter
{
    public const string GeneratorName = "Homunculus.Compiler Bmv2Emitter";

    /// <summary>Preprocessor symbol that leaves tables without const entries, to be filled from the commands file.</summary>
    public const string ControlPlaneEntries = "HOMUNCULUS_CONTROL_PLANE_ENTRIES";

    public string Target => "bmv2";

    public bool Supports(ModelFile model) =>
        Schedules.Of(model) is not null ? Bmv2ScheduleEmitter.Supports(model, this) :
        Bmv2TreeLowering.Supports(model) ||
        model.Model is MlpModel mlp
        && mlp.Layers.Count > 0
        && mlp.Layers[mlp.Layers.Count - 1].Outputs > 0
        && (mlp.OutputClasses.Count == 0
            ? mlp.Layers[mlp.Layers.Count - 1].Outputs <= 1 << P4FeatureTransport.ResultBits
            : mlp.OutputClasses.Count == mlp.Layers[mlp.Layers.Count - 1].Outputs
              && mlp.OutputClasses.All(c => c >= 0 && c < 1 << P4FeatureTransport.ResultBits))
        && mlp.Inputs.All(i => i.Transform != InputTransform.Square || i.Base is InputTransform.Identity or InputTransform.Log2Compand);

    public IReadOnlyList<GeneratedFile> Emit(ModelFile model)
    {
        if (Schedules.Of(model) is not null) return Bmv2ScheduleEmitter.Emit(model, this);
        if (model.Model is TreeEnsembleModel && Bmv2TreeLowering.Supports(model)) return Bmv2TreeLowering.Emit(model, Target);
        if (model.Model is not MlpModel mlp || !Supports(model))
            throw new NotSupportedException($"the bmv2 target cannot run model kind '{model.Model.Kind}' of this shape");
        MlpShape.Check(model, mlp);
        P4FeatureTransport.CheckDistinctNames(model);

        string baseName = Identifiers.Snake(model.Name);
        var scope = P4Scope.Of(model);
        var tables = OneHotTable.Build(model, mlp, scope);
        var files = new List<GeneratedFile>
        {
            new GeneratedFile($"{Target}/{baseName}.p4", WriteProgram(model, mlp, tables, scope)),
        };
        if (tables.Count > 0)
            files.Add(new GeneratedFile($"{Target}/{baseName}.commands.txt", WriteCommands(model, tables)));
        return files;
    }

    // ---- names (fixed prefixes keep every identifier off P4 keywords and off a leading digit) ----

    internal static string CompandVar(FeatureEncoding f, P4Scope s) => s.Name("c_" + Identifiers.Snake(f.Name));

    /// <summary>The square of a feature's identity (<c>sq_</c>) or companded (<c>sqc_</c>) value.</summary>
    internal static string SquareVar(FeatureEncoding f, InputTransform baseTransform, P4Scope s) =>
        s.Name((baseTransform == InputTransform.Log2Compand ? "sqc_" : "sq_") + Identifiers.Snake(f.Name));

    internal static string Neuron(int layer, int output, P4Scope s) => s.Name($"l{layer}_n{output}");

    internal const string BestValue = "best_val";
    internal const string BestClass = "best_cls";

    /// <summary>The <c>int&lt;32&gt;</c> expression of first-layer input <paramref name="input"/> (not one-hot).</summary>
    internal static string InputExpression(ModelFile model, MlpInput input, P4Scope s)
    {
        var f = model.Features[input.Feature];
        return input.Transform switch
        {
            // Widen the unsigned field to 32 bits first (zero extension), then reinterpret: (int)v in C#.
            InputTransform.Identity => $"(int<32>)(bit<32>){s.Fields[input.Feature]}",
            InputTransform.Log2Compand => $"(int<32>)m.{CompandVar(f, s)}",
            InputTransform.Square => $"m.{SquareVar(f, input.Base, s)}",
            _ => throw new InvalidOperationException("one-hot inputs are added by their lookup table"),
        };
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    // ---- the program ----

    private static string WriteProgram(ModelFile model, MlpModel mlp, IReadOnlyList<OneHotTable> tables, P4Scope scope)
    {
        var w = new CodeWriter();
        GeneratedHeader.Write(w, GeneratorName, model);
        P4FeatureTransport.WriteTransportComment(w, model);
        for (int c = 0; c < model.Classes.Count; c++)
            w.Line($"// class {c}: '{Escaping.Comment(model.Classes[c].Name)}'");
        w.Line();
        WriteV1Model(w, model,
            () => WriteMetadata(w, model, mlp, scope),
            () => WriteDeclarations(w, model, tables),
            () => WriteApply(w, model, mlp, tables, scope));
        return w.ToString();
    }

    /// <summary>
    /// The v1model program after its opening comments, whatever computes the class: the headers, <c>meta_t</c> (the
    /// program's fields, then <paramref name="metadata"/>), the parser, the ingress (<paramref name="declarations"/>,
    /// then an apply block that extracts the features and runs <paramref name="model"/>'s <paramref name="apply"/>, sets the
    /// default egress and the per-class actions), the deparser and the switch.
    /// </summary>
    internal static void WriteV1Model(CodeWriter w, ModelFile model, Action metadata, Action declarations, Action apply)
    {
        P4FeatureTransport.WriteIncludes(w, "v1model.p4");
        w.Line();
        P4FeatureTransport.WriteHeaders(w, model);
        w.Line();
        using (w.Block($"struct {P4FeatureTransport.MetadataType} {{"))
        {
            P4FeatureTransport.WriteFeatureMetadata(w, model);
            metadata();
        }
        w.Line();
        P4FeatureTransport.WriteV1ModelParser(w, model);
        w.Line();
        P4FeatureTransport.WriteV1ModelEmptyControls(w, beforeIngress: true);
        w.Line();
        using (P4FeatureTransport.OpenV1ModelIngress(w, model))
        {
            declarations();
            using (w.Block("apply {"))
            {
                using (P4FeatureTransport.OpenModel(w, model))
                {
                    apply();
                }
                w.Line("sm.egress_spec = sm.ingress_port;   // return the packet where it came from");
                P4Actions.WriteApply(w, model);
            }
        }
        w.Line();
        P4FeatureTransport.WriteV1ModelEmptyControls(w, beforeIngress: false);
        w.Line();
        P4FeatureTransport.WriteV1ModelDeparserAndSwitch(w, model);
    }

    /// <summary>Features that feed at least one Log2Compand input, in feature order.</summary>
    internal static IReadOnlyList<int> CompandedFeatures(MlpModel mlp) =>
        mlp.Inputs.Where(i => i.Transform == InputTransform.Log2Compand || (i.Transform == InputTransform.Square && i.Base == InputTransform.Log2Compand))
            .Select(i => i.Feature).Distinct().OrderBy(i => i).ToList();

    /// <summary>The distinct squared values (feature, base transform) in feature order, identity before companded.</summary>
    internal static IReadOnlyList<(int Feature, InputTransform Base)> SquaredValues(MlpModel mlp) =>
        mlp.Inputs.Where(i => i.Transform == InputTransform.Square).Select(i => (i.Feature, i.Base)).Distinct()
            .OrderBy(s => s.Feature).ThenBy(s => s.Base).ToList();

    /// <summary>The network's one-hot tables and their actions (inside the ingress control, before its apply block).</summary>
    internal static void WriteDeclarations(CodeWriter w, ModelFile model, IReadOnlyList<OneHotTable> tables)
    {
        foreach (var table in tables)
        {
            table.WriteDeclaration(w, model);
            w.Line();
        }
    }

    /// <summary>The network on the fields of <paramref name="s"/>: companding, squares, layers, then the argmax into its result.</summary>
    internal static void WriteApply(CodeWriter w, ModelFile model, MlpModel mlp, IReadOnlyList<OneHotTable> tables, P4Scope s)
    {
        WriteCompanding(w, model, mlp, s);
        WriteSquares(w, model, mlp, s);
        for (int k = 0; k < mlp.Layers.Count; k++)
        {
            WriteLayer(w, model, mlp, k, k == 0 ? tables : Array.Empty<OneHotTable>(), s);
        }
        WriteArgMax(w, mlp, s);
    }

    /// <summary>
    /// Squared inputs, computed once per packet: the identity or companded value as <c>int&lt;32&gt;</c> times
    /// itself (wrapping modulo 2^32, as <c>unchecked(v * v)</c> in C#).
    /// </summary>
    private static void WriteSquares(CodeWriter w, ModelFile model, MlpModel mlp, P4Scope s)
    {
        foreach (var (fi, baseTransform) in SquaredValues(mlp))
        {
            var f = model.Features[fi];
            string value = InputExpression(model, new MlpInput { Feature = fi, Transform = baseTransform }, s);
            w.Line($"// feature {fi} '{Escaping.Comment(f.Name)}': square of its {(baseTransform == InputTransform.Log2Compand ? "companded" : "identity")} value");
            w.Line($"m.{SquareVar(f, baseTransform, s)} = {value} * {value};");
        }
    }

    /// <summary>The network's metadata fields (inside <c>meta_t</c>, after the program's own).</summary>
    internal static void WriteMetadata(CodeWriter w, ModelFile model, MlpModel mlp, P4Scope s)
    {
        foreach (int fi in CompandedFeatures(mlp))
        {
            var f = model.Features[fi];
            w.Line($"bit<32> {CompandVar(f, s)};   // feature {fi} '{Escaping.Comment(f.Name)}', log2-companded");
        }
        foreach (var (fi, baseTransform) in SquaredValues(mlp))
        {
            var f = model.Features[fi];
            w.Line($"int<32> {SquareVar(f, baseTransform, s)};   // feature {fi} '{Escaping.Comment(f.Name)}', squared");
        }
        for (int k = 0; k < mlp.Layers.Count; k++)
        {
            var layer = mlp.Layers[k];
            w.Line($"// layer {k}: {layer.Outputs} accumulators (signed, wrap modulo 2^32)");
            for (int j = 0; j < layer.Outputs; j++) w.Line($"int<32> {Neuron(k, j, s)};");
        }
        w.Line($"int<32> {s.Name(BestValue)};   // argmax: best accumulator so far");
        w.Line($"bit<{P4FeatureTransport.ResultBits}> {s.Name(BestClass)};    // argmax: its class index");
    }

    /// <summary>
    /// Log2 companding as an if/else-if chain from the highest leading-one position down: the first
    /// <c>v &gt;= 2^p</c> that holds fixes p, and that branch computes <see cref="Compand.Segment"/> with
    /// constant shifts and masks; values below 2^(MantissaBits+1) pass unchanged.
    /// </summary>
    private static void WriteCompanding(CodeWriter w, ModelFile model, MlpModel mlp, P4Scope s)
    {
        int m = Compand.MantissaBits;
        int mask = (1 << m) - 1;
        foreach (int fi in CompandedFeatures(mlp))
        {
            var f = model.Features[fi];
            string field = s.Fields[fi];
            string target = "m." + CompandVar(f, s);
            w.Line($"// feature {fi} '{Escaping.Comment(f.Name)}': log2 compand, {m} mantissa bits after the leading one");
            bool first = true;
            for (int p = f.FieldBits - 1; p >= Compand.FirstLogPosition; p--)
            {
                long threshold = 1L << p;
                int high = (p - m + 1) << m;
                w.Line($"{(first ? "" : "} else ")}if ({field} >= {Int(threshold)}) {{   // leading one at bit {p}");
                w.Indent();
                w.Line($"{target} = (((bit<32>){field} >> {p - m}) & {mask}) | {high};");
                w.Outdent();
                first = false;
            }
            if (first)
            {
                w.Line($"{target} = (bit<32>){field};");
                continue;
            }
            w.Line("} else {");
            w.Indent();
            w.Line($"{target} = (bit<32>){field};   // below 2^{Compand.FirstLogPosition}: unchanged");
            w.Outdent();
            w.Line("}");
        }
    }

    private static void WriteLayer(CodeWriter w, ModelFile model, MlpModel mlp, int k, IReadOnlyList<OneHotTable> tables, P4Scope s)
    {
        var layer = mlp.Layers[k];
        string activation = layer.Activation == Activation.Relu
            ? $"ReLU, >> {layer.Shift & 31}, clamp to {Int(layer.ClampMax)}"
            : "no activation (raw accumulators)";
        w.Line($"// layer {k}: {layer.Inputs} inputs -> {layer.Outputs} outputs, {activation}");
        // Terms: (input expression, input index) for every input a multiplication handles.
        var terms = new List<(string Expr, int Index)>();
        for (int i = 0; i < layer.Inputs; i++)
        {
            if (k == 0)
            {
                var input = mlp.Inputs[i];
                if (input.Transform == InputTransform.OneHot) continue;
                terms.Add((InputExpression(model, input, s), i));
            }
            else
            {
                terms.Add(("m." + Neuron(k - 1, i, s), i));
            }
        }
        for (int j = 0; j < layer.Outputs; j++)
        {
            string acc = "m." + Neuron(k, j, s);
            if (terms.Count == 0)
            {
                w.Line($"{acc} = {Int(layer.Biases[j])};");
                continue;
            }
            w.Line($"{acc} = {Int(layer.Biases[j])}");
            w.Indent();
            for (int t = 0; t < terms.Count; t++)
            {
                string end = t == terms.Count - 1 ? ";" : "";
                w.Line($"+ {terms[t].Expr} * {Int(layer.Weight(j, terms[t].Index))}{end}");
            }
            w.Outdent();
        }
        foreach (var table in tables)
        {
            w.Line($"{table.TableName}.apply();   // adds the weights of feature {table.Feature} '{Escaping.Comment(model.Features[table.Feature].Name)}' (one-hot)");
        }
        if (layer.Activation == Activation.None) return;
        int shift = layer.Shift & 31; // C# int >> uses the low five bits of the count
        for (int j = 0; j < layer.Outputs; j++)
        {
            string acc = "m." + Neuron(k, j, s);
            w.Line($"if ({acc} < 0) {{ {acc} = 0; }}");
            if (shift != 0) w.Line($"{acc} = {acc} >> {shift};");
            w.Line($"if ({acc} > {Int(layer.ClampMax)}) {{ {acc} = {Int(layer.ClampMax)}; }}");
        }
    }

    private static void WriteArgMax(CodeWriter w, MlpModel mlp, P4Scope s)
    {
        int last = mlp.Layers.Count - 1;
        var layer = mlp.Layers[last];
        string bestValue = "m." + s.Name(BestValue), bestClass = "m." + s.Name(BestClass);
        w.Line("// argmax: only a strictly greater accumulator replaces the best, so the lowest index wins ties");
        if (mlp.OutputClasses.Count > 0)
            w.Line("// (outputs map to classes: the best output's class is kept, not its index)");
        w.Line($"{bestClass} = {mlp.ClassOfOutput(0)};");
        w.Line($"{bestValue} = m.{Neuron(last, 0, s)};");
        for (int j = 1; j < layer.Outputs; j++)
        {
            string acc = "m." + Neuron(last, j, s);
            string comment = mlp.OutputClasses.Count > 0 ? $"   // output {j}" : "";
            w.Line($"if ({acc} > {bestValue}) {{ {bestValue} = {acc}; {bestClass} = {mlp.ClassOfOutput(j)}; }}{comment}");
        }
        w.Line($"{s.Result} = {bestClass};");
    }

    internal static string WriteCommands(ModelFile model, IReadOnlyList<OneHotTable> tables)
    {
        var w = new CodeWriter();
        GeneratedHeader.Write(w, GeneratorName, model, "#");
        w.Line("# simple_switch_CLI table_add commands for the program's tables: the same entries the program");
        w.Line($"# declares as const entries, for the program compiled with -D{ControlPlaneEntries} (tables left empty).");
        w.Line("# Negative weight sums are written as their 32-bit two's complement (0x...), as in the program.");
        foreach (var table in tables) table.WriteCommands(w);
        return w.ToString();
    }
}

/// <summary>Checks that the model's shapes agree before any code is written.</summary>
internal static class MlpShape
{
    public static void Check(ModelFile model, MlpModel mlp)
    {
        if (mlp.Layers.Count == 0) throw new InvalidOperationException("the MLP has no layers");
        if (mlp.Layers[0].Inputs != mlp.Inputs.Count)
            throw new InvalidOperationException($"layer 0 has {mlp.Layers[0].Inputs} inputs but the model lists {mlp.Inputs.Count}");
        for (int k = 0; k < mlp.Layers.Count; k++)
        {
            var layer = mlp.Layers[k];
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
}

/// <summary>
/// The one-hot group of a categorical feature lowered as an exact-match lookup on the feature field.
/// Chosen over an if-chain: one lookup replaces a chain of comparisons and multiplications, the same
/// table shape carries over to targets that cannot multiply (TNA), and the entries can be inspected
/// and replaced by the control plane (the commands file). Each entry's action adds, to every
/// first-layer accumulator j, the sum of the weights w[j][i] of the one-hot inputs i whose code is the
/// key (the product w * 1); other codes match no entry and add nothing (w * 0).
/// </summary>
internal sealed class OneHotTable
{
    public int Feature { get; }
    public string TableName { get; }
    public string ActionName { get; }
    public int Outputs { get; }

    /// <summary>(code, per-output sums) in ascending code order.</summary>
    public IReadOnlyList<(int Code, int[] Sums)> Entries { get; }

    private readonly P4Scope _scope;

    private OneHotTable(int feature, string snake, P4Scope scope, int outputs, IReadOnlyList<(int, int[])> entries)
    {
        Feature = feature;
        TableName = scope.Name("onehot_" + snake);
        ActionName = scope.Name("add_onehot_" + snake);
        _scope = scope;
        Outputs = outputs;
        Entries = entries;
    }

    public static IReadOnlyList<OneHotTable> Build(ModelFile model, MlpModel mlp, P4Scope scope)
    {
        var layer = mlp.Layers[0];
        var result = new List<OneHotTable>();
        var features = mlp.Inputs.Where(i => i.Transform == InputTransform.OneHot).Select(i => i.Feature).Distinct().OrderBy(i => i);
        foreach (int fi in features)
        {
            var f = model.Features[fi];
            long fieldMax = f.FieldBits == 32 ? uint.MaxValue : (1L << f.FieldBits) - 1;
            var byCode = new SortedDictionary<int, int[]>();
            for (int i = 0; i < mlp.Inputs.Count; i++)
            {
                var input = mlp.Inputs[i];
                if (input.Transform != InputTransform.OneHot || input.Feature != fi) continue;
                if (input.Code < 0 || input.Code > fieldMax) continue; // the field can never hold it: always 0
                if (!byCode.TryGetValue(input.Code, out var sums)) byCode[input.Code] = sums = new int[layer.Outputs];
                for (int j = 0; j < layer.Outputs; j++) sums[j] = unchecked(sums[j] + layer.Weight(j, i));
            }
            var entries = byCode.Select(kv => (kv.Key, kv.Value)).ToList();
            result.Add(new OneHotTable(fi, Identifiers.Snake(f.Name), scope, layer.Outputs, entries));
        }
        return result;
    }

    private static string Param(int j) => $"d{j}";

    /// <summary>A signed weight sum as 32-bit action data: decimal when non-negative, else its two's complement in hex.</summary>
    private static string ActionData(int value) =>
        value >= 0 ? Int(value) : "0x" + unchecked((uint)value).ToString("X8", CultureInfo.InvariantCulture);

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Category(FeatureEncoding f, int code) =>
        code < f.Categories.Count ? $"'{Escaping.Comment(f.Categories[code])}'" : code == f.UnknownCode ? "(unknown)" : "(no category)";

    public void WriteDeclaration(CodeWriter w, ModelFile model)
    {
        var f = model.Features[Feature];
        w.Line($"// feature {Feature} '{Escaping.Comment(f.Name)}': one-hot inputs of layer 0 as an exact-match lookup on the");
        w.Line("// code. Each entry adds the weights of its code's inputs to the layer-0 accumulators (the product");
        w.Line("// weight * 1); other codes add nothing (weight * 0). A table rather than an if-chain: one lookup,");
        w.Line("// no multiplication (the same shape works on TNA), and entries the control plane can inspect.");
        w.Line("// Parameters are unsigned action data holding the weights' two's complement (written in hex when");
        w.Line("// negative), reinterpreted as int<32> where they are added.");
        string parameters = string.Join(", ", Enumerable.Range(0, Outputs).Select(j => $"bit<32> {Param(j)}"));
        using (w.Block($"action {ActionName}({parameters}) {{"))
        {
            for (int j = 0; j < Outputs; j++)
            {
                string acc = "m." + Bmv2Emitter.Neuron(0, j, _scope);
                w.Line($"{acc} = {acc} + (int<32>){Param(j)};");
            }
        }
        using (w.Block($"table {TableName} {{"))
        {
            w.Line($"key = {{ {_scope.Fields[Feature]} : exact; }}");
            w.Line($"actions = {{ {ActionName}; NoAction; }}");
            if (Entries.Count > 0)
            {
                // Compiled with -D{ControlPlaneEntries}, the table is left empty for the commands file to fill
                // (BMv2 refuses table_add on a table with const entries).
                w.Line($"#ifndef {Bmv2Emitter.ControlPlaneEntries}");
                using (w.Block("const entries = {"))
                {
                    foreach (var (code, sums) in Entries)
                    {
                        w.Line($"{Int(code)} : {ActionName}({string.Join(", ", sums.Select(ActionData))});   // code {code} {Category(f, code)}: {string.Join(", ", sums.Select(s => Int(s)))}");
                    }
                }
                w.Line("#endif");
            }
            w.Line("default_action = NoAction();");
        }
    }

    public void WriteCommands(CodeWriter w)
    {
        foreach (var (code, sums) in Entries)
        {
            string values = string.Join(" ", sums.Select(ActionData));
            w.Line($"table_add IngressImpl.{TableName} IngressImpl.{ActionName} {Int(code)} => {values}".TrimEnd());
        }
    }
}
