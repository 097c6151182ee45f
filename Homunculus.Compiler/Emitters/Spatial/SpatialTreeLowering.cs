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
/// Taurus (Spatial) lowering of a <see cref="TreeEnsembleModel"/>: each tree, for each class it scores, is
/// one expression of nested <c>mux(field &lt;= constant, left, right)</c> over the encoded feature fields
/// (a comparison per node, a mux per level: the unrolled tree); the class scores add the bias and the trees'
/// values as 32-bit integers (<c>FixPt[TRUE,_32,_0]</c>, same integer semantics as the reference
/// interpreter); the argmax is a chain of comparisons and muxes (lowest index wins ties). Constants are in
/// the program, so no weight files are written.
/// </summary>
internal static class SpatialTreeLowering
{
    public static bool Supports(ModelFile model) =>
        model.Model is TreeEnsembleModel trees
        && trees.Classes > 0
        && TreeInterpreter.Problems(trees, model.Features.Count, model.Classes.Count).Count == 0;

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A signed 32-bit constant (negative ones in parentheses, so ".to" applies to the whole literal).</summary>
    private static string Signed(long value) => value < 0 ? $"({Int(value)}).to[T]" : $"{Int(value)}.to[T]";

    private static string FieldType(FeatureEncoding f) => SpatialEmitter.FieldType(f);

    private static string Unsigned(long value, FeatureEncoding f) =>
        value > int.MaxValue ? $"{Int(value)}L.to[{FieldType(f)}]" : $"{Int(value)}.to[{FieldType(f)}]";

    private static string Value(FeatureEncoding f) => "v_" + Identifiers.Snake(f.Name);

    public static IReadOnlyList<GeneratedFile> Emit(ModelFile model, string target)
    {
        var trees = (TreeEnsembleModel)model.Model;
        var problems = TreeInterpreter.Problems(trees, model.Features.Count, model.Classes.Count);
        if (problems.Count > 0) throw new InvalidOperationException("the tree model is malformed: " + string.Join("; ", problems));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in model.Features)
        {
            if (!seen.Add(SpatialEmitter.Field(f)))
                throw new InvalidOperationException($"two features map to the identifier '{SpatialEmitter.Field(f)}'; rename one of them");
        }

        string objectName = SpatialEmitter.ObjectName(model.Name);
        string program = SpatialEmitter.WriteApp(model, objectName,
            new[]
            {
                "Taurus MapReduce block, in Spatial. Decision trees: comparisons of the encoded feature fields with",
                "constants select, by muxes, each tree's leaf value per class; class scores are 32-bit signed sums",
                "(FixPt[TRUE,_32,_0]; the compiler checked none can wrap); argmax with the lowest index winning ties.",
            },
            new[] { "type T = FixPt[TRUE, _32, _0]   // scores: 32-bit signed integers" },
            w =>
            {
                using (w.Block("Pipe {"))
                {
                    WriteBody(w, model, trees, SpatialScope.Of(model));
                }
            });
        return new[] { new GeneratedFile($"{target}/{objectName}.scala", program) };
    }

    /// <summary>The trees as one stage: the field values, each tree's values per class, the scores, the argmax into the scope's result.</summary>
    internal static void WriteBody(CodeWriter w, ModelFile model, TreeEnsembleModel trees, SpatialScope scope)
    {
        var used = trees.Trees.SelectMany(t => t.Nodes).Select(n => n.Feature).Distinct().OrderBy(f => f).ToList();
        foreach (int fi in used)
        {
            var f = model.Features[fi];
            w.Line($"val {Value(f)} = {scope.Values[fi]}");
        }
        var terms = new List<string>[trees.Classes];
        for (int c = 0; c < trees.Classes; c++) terms[c] = new List<string>();
        for (int t = 0; t < trees.Trees.Count; t++)
        {
            var tree = trees.Trees[t];
            w.Line($"// tree {t}: {tree.Nodes.Count} comparison(s), {tree.Leaves.Count} leaves");
            for (int c = 0; c < trees.Classes; c++)
            {
                if (!tree.Leaves.Any(l => l.Class == c && l.Value != 0)) continue;
                string name = $"t{t}_c{c}";
                w.Line($"val {name} = {Expression(model, tree, tree.Nodes.Count == 0 ? ~0 : 0, c)}");
                terms[c].Add(name);
            }
        }
        w.Line("// class scores: bias + the trees' values");
        for (int c = 0; c < trees.Classes; c++)
        {
            w.Line($"val s{c} = {string.Join(" + ", new[] { Signed(trees.Bias[c]) }.Concat(terms[c]))}");
        }
        w.Line("// argmax: only a strictly greater score replaces the best, so the lowest index wins ties");
        w.Line("val b0 = s0");
        w.Line("val k0 = 0.to[T]");
        for (int c = 1; c < trees.Classes; c++)
        {
            w.Line($"val b{c} = mux(s{c} > b{c - 1}, s{c}, b{c - 1})");
            w.Line($"val k{c} = mux(s{c} > b{c - 1}, {c}.to[T], k{c - 1})");
        }
        w.Line($"{scope.Result} := k{trees.Classes - 1}");
    }

    /// <summary>
    /// The value a subtree adds to class <paramref name="c"/>: a constant when every leaf below agrees, else a
    /// mux on the node's comparison. Thresholds beyond the field's range decide statically (as in P4).
    /// </summary>
    private static string Expression(ModelFile model, DecisionTree tree, int child, int c)
    {
        var values = new HashSet<int>();
        Collect(tree, child, c, values);
        if (values.Count == 1) return Signed(values.First());
        var node = tree.Nodes[child];
        var f = model.Features[node.Feature];
        long fieldMax = f.FieldBits >= 32 ? uint.MaxValue : (1L << f.FieldBits) - 1;
        if (node.Threshold < 0) return Expression(model, tree, node.Right, c);
        if (node.Threshold >= fieldMax) return Expression(model, tree, node.Left, c);
        return $"mux({Value(f)} <= {Unsigned(node.Threshold, f)}, {Expression(model, tree, node.Left, c)}, {Expression(model, tree, node.Right, c)})";
    }

    /// <summary>The distinct values the leaves under <paramref name="child"/> add to class <paramref name="c"/>.</summary>
    private static void Collect(DecisionTree tree, int child, int c, HashSet<int> values)
    {
        if (child < 0)
        {
            var leaf = tree.Leaves[~child];
            values.Add(leaf.Class == c ? leaf.Value : 0);
            return;
        }
        Collect(tree, tree.Nodes[child].Left, c, values);
        Collect(tree, tree.Nodes[child].Right, c, values);
    }
}
