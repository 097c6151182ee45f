using System.Collections.Generic;

namespace Homunculus.Compiler.Training;

/// <summary>The model families the compiler can train (the .hspec's "algorithms" names).</summary>
public static class Algorithms
{
    public const string Dnn = "dnn";

    public static readonly IReadOnlyList<string> Names = new[] { Dnn };
}
