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
/// BMv2 (v1model) lowering of a <see cref="TreeEnsembleModel"/>: every tree becomes nested if/else on the
/// feature header fields against integer constants (<c>h.feat.f_x &lt;= t</c>: exact, the field holds the
/// encoded value), each leaf adds its constant to one <c>int&lt;32&gt;</c> class score, then the argmax
/// (lowest index on ties) goes into <c>h.feat.result</c>. If/else rather than tables: the program carries
/// the whole model, needs no control plane, and stays within the constructs BMv2 certainly supports; the
/// header, parser and deparser are <see cref="P4FeatureTransport"/>'s, shared with the MLP program.
/// </summary>
internal static class Bmv2TreeLowering
{
    public static bool Supports(ModelFile model) =>
        model.Model is TreeEnsembleModel trees
        && trees.Classes is > 0 and <= 1 << P4FeatureTransport.ResultBits
        && TreeInterpreter.Problems(trees, model.Features.Count, model.Classes.Count).Count == 0;

    internal static string Score(int c, P4Scope s) => s.Name($"score{c}");

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static IReadOnlyList<GeneratedFile> Emit(ModelFile model, string target)
    {
        var trees = (TreeEnsembleModel)model.Model;
        var problems = TreeInterpreter.Problems(trees, model.Features.Count, model.Classes.Count);
        if (problems.Count > 0) throw new InvalidOperationException("the tree model is malformed: " + string.Join("; ", problems));
        P4FeatureTransport.CheckDistinctNames(model);

        var w = new CodeWriter();
        GeneratedHeader.Write(w, Bmv2Emitter.GeneratorName, model);
        P4FeatureTransport.WriteTransportComment(w, model);
        w.Line($"// Decision trees ({model.Algorithm}): {trees.Trees.Count} tree(s) compare the encoded feature fields with");
        w.Line("// constants; each reached leaf adds its value to one class score; the largest score wins.");
        for (int c = 0; c < model.Classes.Count; c++)
            w.Line($"// class {c}: '{Escaping.Comment(model.Classes[c].Name)}'");
        w.Line();
        var scope = P4Scope.Of(model);
        Bmv2Emitter.WriteV1Model(w, model, () => WriteMetadata(w, trees, scope), () => { }, () => WriteApply(w, model, trees, scope));
        return new[] { new GeneratedFile($"{target}/{Model.Naming.Identifiers.Snake(model.Name)}.p4", w.ToString()) };
    }

    /// <summary>The trees' metadata fields (inside <c>meta_t</c>, after the program's own).</summary>
    internal static void WriteMetadata(CodeWriter w, TreeEnsembleModel trees, P4Scope s)
    {
        w.Line("// class scores (signed; the compiler checked that no sum leaves the 32-bit range)");
        for (int c = 0; c < trees.Classes; c++) w.Line($"int<32> {Score(c, s)};");
        w.Line($"int<32> {s.Name(Bmv2Emitter.BestValue)};   // argmax: best score so far");
        w.Line($"bit<{P4FeatureTransport.ResultBits}> {s.Name(Bmv2Emitter.BestClass)};    // argmax: its class index");
    }

    /// <summary>The trees on the fields of <paramref name="s"/>: the scores, then the argmax into its result.</summary>
    internal static void WriteApply(CodeWriter w, ModelFile model, TreeEnsembleModel trees, P4Scope s)
    {
        string bestValue = "m." + s.Name(Bmv2Emitter.BestValue), bestClass = "m." + s.Name(Bmv2Emitter.BestClass);
        for (int c = 0; c < trees.Classes; c++) w.Line($"m.{Score(c, s)} = {Int(trees.Bias[c])};");
        for (int t = 0; t < trees.Trees.Count; t++)
        {
            w.Line($"// tree {t}");
            WriteSubtree(w, model, trees.Trees[t], trees.Trees[t].Nodes.Count == 0 ? ~0 : 0, s);
        }
        w.Line("// argmax: only a strictly greater score replaces the best, so the lowest index wins ties");
        w.Line($"{bestClass} = 0;");
        w.Line($"{bestValue} = m.{Score(0, s)};");
        for (int c = 1; c < trees.Classes; c++)
            w.Line($"if (m.{Score(c, s)} > {bestValue}) {{ {bestValue} = m.{Score(c, s)}; {bestClass} = {c}; }}");
        w.Line($"{s.Result} = {bestClass};");
    }

    /// <summary>
    /// A node as nested if/else, or a leaf as one addition. A threshold at or above the field's largest value
    /// (or below 0) decides every packet the same way: only that side is written.
    /// </summary>
    private static void WriteSubtree(CodeWriter w, ModelFile model, DecisionTree tree, int child, P4Scope s)
    {
        if (child < 0)
        {
            var leaf = tree.Leaves[~child];
            string score = "m." + Score(leaf.Class, s);
            if (leaf.Value == 0) w.Line($"// leaf {~child}: adds 0");
            else if (leaf.Value > 0) w.Line($"{score} = {score} + {Int(leaf.Value)};   // leaf {~child}");
            else w.Line($"{score} = {score} - {Int(-(long)leaf.Value)};   // leaf {~child}");
            return;
        }
        var node = tree.Nodes[child];
        var f = model.Features[node.Feature];
        long fieldMax = f.FieldBits >= 32 ? uint.MaxValue : (1L << f.FieldBits) - 1;
        if (node.Threshold < 0)
        {
            w.Line($"// node {child}: '{Escaping.Comment(f.Name)}' <= {Int(node.Threshold)} never holds");
            WriteSubtree(w, model, tree, node.Right, s);
            return;
        }
        if (node.Threshold >= fieldMax)
        {
            w.Line($"// node {child}: '{Escaping.Comment(f.Name)}' <= {Int(node.Threshold)} always holds");
            WriteSubtree(w, model, tree, node.Left, s);
            return;
        }
        w.Line($"if ({s.Fields[node.Feature]} <= {Int(node.Threshold)}) {{");
        w.Indent();
        WriteSubtree(w, model, tree, node.Left, s);
        w.Outdent();
        w.Line("} else {");
        w.Indent();
        WriteSubtree(w, model, tree, node.Right, s);
        w.Outdent();
        w.Line("}");
    }
}
