using System;
using System.Collections.Generic;
using System.Globalization;
using Homunculus.Model.Ir;

namespace Homunculus.Model.Interpretation
{
    /// <summary>The semantics of <see cref="TreeEnsembleModel"/> (used by <see cref="ReferenceInterpreter"/>), and its well-formedness checks.</summary>
    public static class TreeInterpreter
    {
        /// <summary>The leaf index tree <paramref name="tree"/> reaches for an encoded row.</summary>
        public static int Leaf(DecisionTree tree, IReadOnlyList<long> encoded)
        {
            if (tree.Nodes.Count == 0) return 0;
            int node = 0;
            while (true)
            {
                var n = tree.Nodes[node];
                int next = encoded[n.Feature] <= n.Threshold ? n.Left : n.Right;
                if (next < 0) return ~next;
                node = next;
            }
        }

        /// <summary>The class scores: bias plus the value of every tree's leaf (32-bit wrapping).</summary>
        public static int[] Scores(TreeEnsembleModel model, IReadOnlyList<long> encoded)
        {
            var scores = new int[model.Classes];
            for (int c = 0; c < scores.Length; c++) scores[c] = model.Bias[c];
            foreach (var tree in model.Trees)
            {
                var leaf = tree.Leaves[Leaf(tree, encoded)];
                scores[leaf.Class] = unchecked(scores[leaf.Class] + leaf.Value);
            }
            return scores;
        }

        public static int Predict(TreeEnsembleModel model, IReadOnlyList<long> encoded) => ReferenceInterpreter.ArgMax(Scores(model, encoded));

        /// <summary>
        /// The largest |score| any row can reach for any class: |bias| plus, per tree, the largest |leaf value|
        /// for that class. At most <see cref="int.MaxValue"/> means no 32-bit sum can wrap.
        /// </summary>
        public static long MaxAbsScore(TreeEnsembleModel model)
        {
            long worst = 0;
            for (int c = 0; c < model.Classes; c++)
            {
                long bound = c < model.Bias.Count ? Math.Abs((long)model.Bias[c]) : 0;
                foreach (var tree in model.Trees)
                {
                    long most = 0;
                    foreach (var leaf in tree.Leaves)
                        if (leaf.Class == c) most = Math.Max(most, Math.Abs((long)leaf.Value));
                    bound += most;
                }
                worst = Math.Max(worst, bound);
            }
            return worst;
        }

        /// <summary>Depth of a tree: comparisons on its longest path (0 for a single leaf).</summary>
        public static int Depth(DecisionTree tree)
        {
            if (tree.Nodes.Count == 0) return 0;
            var depth = new int[tree.Nodes.Count];
            int max = 0;
            depth[0] = 1;
            // Children have larger indices than their parent, so one forward pass sees every parent first.
            for (int i = 0; i < tree.Nodes.Count; i++)
            {
                max = Math.Max(max, depth[i]);
                foreach (int child in new[] { tree.Nodes[i].Left, tree.Nodes[i].Right })
                    if (child >= 0 && child < depth.Length) depth[child] = Math.Max(depth[child], depth[i] + 1);
            }
            return max;
        }

        /// <summary>Why the model cannot be evaluated (empty when it can): shapes, indices, child order, score range.</summary>
        public static IReadOnlyList<string> Problems(TreeEnsembleModel model, int featureCount, int classCount)
        {
            var problems = new List<string>();
            if (model.Classes != classCount) problems.Add(Invariant($"the trees score {model.Classes} classes, but the model has {classCount}"));
            if (model.Bias.Count != model.Classes) problems.Add(Invariant($"the trees have {model.Bias.Count} biases, expected {model.Classes}"));
            for (int t = 0; t < model.Trees.Count; t++)
            {
                var tree = model.Trees[t];
                if (tree.Leaves.Count == 0) problems.Add(Invariant($"tree {t} has no leaves"));
                for (int i = 0; i < tree.Nodes.Count; i++)
                {
                    var n = tree.Nodes[i];
                    if (n.Feature < 0 || n.Feature >= featureCount) problems.Add(Invariant($"tree {t} node {i} reads feature {n.Feature}, but the model has {featureCount} features"));
                    foreach (int child in new[] { n.Left, n.Right })
                    {
                        if (child >= 0 ? child <= i || child >= tree.Nodes.Count : ~child >= tree.Leaves.Count)
                            problems.Add(Invariant($"tree {t} node {i} has child {child}, which is not a later node or an existing leaf"));
                    }
                }
                for (int l = 0; l < tree.Leaves.Count; l++)
                {
                    if (tree.Leaves[l].Class < 0 || tree.Leaves[l].Class >= model.Classes)
                        problems.Add(Invariant($"tree {t} leaf {l} scores class {tree.Leaves[l].Class}, but there are {model.Classes} classes"));
                }
            }
            if (problems.Count == 0 && MaxAbsScore(model) > int.MaxValue)
                problems.Add("a class score can exceed the 32-bit range");
            return problems;
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
