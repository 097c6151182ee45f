namespace Homunculus.Model.Ir
{
    /// <summary>
    /// A split of a decision tree: go to <see cref="Left"/> when the ENCODED value of feature
    /// <see cref="Feature"/> is &lt;= <see cref="Threshold"/> (an integer of the encoded domain, so a switch
    /// compares its header field with a constant, exactly), else to <see cref="Right"/>. A child &gt;= 0 is a
    /// node index (always greater than this node's index); a negative child c is leaf ~c.
    /// </summary>
    public sealed record TreeNode
    {
        public int Feature { get; init; }

        public long Threshold { get; init; }

        public int Left { get; init; }

        public int Right { get; init; }
    }

    /// <summary>A leaf: adds <see cref="Value"/> to the score of class <see cref="Class"/>.</summary>
    public sealed record TreeLeaf
    {
        public int Class { get; init; }

        public int Value { get; init; }
    }

    /// <summary>One tree: its root is node 0, or leaf 0 when the tree has no split.</summary>
    public sealed record DecisionTree
    {
        public EquatableArray<TreeNode> Nodes { get; init; } = EquatableArray<TreeNode>.Empty;

        public EquatableArray<TreeLeaf> Leaves { get; init; } = EquatableArray<TreeLeaf>.Empty;
    }

    /// <summary>
    /// Decision trees over the encoded integer features ("tree", "forest", "boosted"): every tree reaches one
    /// leaf, which adds its integer value to one class's score; <c>score[c] = Bias[c] + sum of the leaf values
    /// for c</c> (32-bit; the compiler checks no sum can wrap); the class is the argmax, lowest index on ties.
    /// A decision tree is one tree whose leaves give 1 to their class; a forest's leaves each vote 1; boosted
    /// trees add leaf values quantized to integer units of <see cref="ValueScale"/>.
    /// </summary>
    public sealed record TreeEnsembleModel : ModelNode
    {
        public override string Kind => "trees";

        /// <summary>Number of class scores (the model file's class count).</summary>
        public int Classes { get; init; }

        public EquatableArray<int> Bias { get; init; } = EquatableArray<int>.Empty;

        public EquatableArray<DecisionTree> Trees { get; init; } = EquatableArray<DecisionTree>.Empty;

        /// <summary>Real value of one score unit (1 for votes; 2^-k for quantized boosted leaves); for reports.</summary>
        public double ValueScale { get; init; } = 1;
    }
}
