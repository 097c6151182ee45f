using System;
using System.Globalization;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;

namespace Homunculus.Generators
{
    /// <summary>
    /// The body of the stub's Evaluate method for a <see cref="TreeEnsembleModel"/>: one int score per class,
    /// every tree as nested ifs comparing the encoded <c>long</c> parameters with constants (the reference
    /// interpreter's <c>encoded &lt;= threshold</c>, bit-exact for any long), each leaf adding a constant,
    /// then the argmax (lowest index wins ties). No allocation. Runs inside the caller's <c>unchecked</c> block.
    /// </summary>
    internal static class CSharpTreeStub
    {
        private static string IntLit(long value) => value.ToString(CultureInfo.InvariantCulture);

        public static void WriteBody(CodeWriter w, ModelFile model, TreeEnsembleModel trees, Func<int, string> classValue)
        {
            for (int c = 0; c < trees.Classes; c++)
            {
                w.Line($"int s{IntLit(c)} = {IntLit(trees.Bias[c])};");
            }
            for (int t = 0; t < trees.Trees.Count; t++)
            {
                w.Line();
                w.Line($"// Tree {IntLit(t)}.");
                var tree = trees.Trees[t];
                WriteSubtree(w, model, tree, tree.Nodes.Count == 0 ? ~0 : 0);
            }
            w.Line();
            w.Line("// Argmax: the lowest index wins ties.");
            w.Line($"{StubNames.ClassEnum} best = {classValue(0)};");
            w.Line("int bestValue = s0;");
            for (int c = 1; c < trees.Classes; c++)
            {
                w.Line($"if (s{IntLit(c)} > bestValue) {{ best = {classValue(c)}; bestValue = s{IntLit(c)}; }}");
            }
            w.Line("return best;");
        }

        private static void WriteSubtree(CodeWriter w, ModelFile model, DecisionTree tree, int child)
        {
            if (child < 0)
            {
                var leaf = tree.Leaves[~child];
                string score = "s" + IntLit(leaf.Class);
                if (leaf.Value == 0) w.Line($"// Leaf {IntLit(~child)}: adds 0.");
                else if (leaf.Value == int.MinValue) w.Line($"{score} += -2147483648; // leaf {IntLit(~child)}");
                else if (leaf.Value > 0) w.Line($"{score} += {IntLit(leaf.Value)}; // leaf {IntLit(~child)}");
                else w.Line($"{score} -= {IntLit(-(long)leaf.Value)}; // leaf {IntLit(~child)}");
                return;
            }
            var node = tree.Nodes[child];
            string feature = Escaping.Comment(model.Features[node.Feature].Name);
            w.Line($"if (f{IntLit(node.Feature)} <= {IntLit(node.Threshold)}L) // '{feature}'");
            w.Line("{");
            w.Indent();
            WriteSubtree(w, model, tree, node.Left);
            w.Outdent();
            w.Line("}");
            w.Line("else");
            w.Line("{");
            w.Indent();
            WriteSubtree(w, model, tree, node.Right);
            w.Outdent();
            w.Line("}");
        }
    }
}
