using System.Collections.Generic;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Spec;

/// <summary>A parsed, validated .hspec: one data-plane program. Locations point back into the .hspec for diagnostics.</summary>
public sealed record HSpec
{
    public required string SpecPath { get; init; }
    public required string Name { get; init; }
    public required SourceLocation NameLocation { get; init; }
    public required DataSpec Data { get; init; }
    public required IReadOnlyList<FeatureSpec> Features { get; init; }
    public required string Objective { get; init; }
    public required IReadOnlyList<string> Algorithms { get; init; }
    /// <summary>Per algorithm of <see cref="Algorithms"/>, its family's settings (defaults filled in).</summary>
    public required IReadOnlyDictionary<string, object> Settings { get; init; }
    public required PlatformSpec Platform { get; init; }
    public required int Seed { get; init; }
}

/// <summary>A path as written and resolved against the .hspec's folder, with where it was written.</summary>
public sealed record DataPath(string Written, string FullPath, SourceLocation Location);

public sealed record DataSpec
{
    public required IReadOnlyList<DataPath> Train { get; init; }
    public DataPath? Test { get; init; }
    public required bool HasHeader { get; init; }
    public IReadOnlyList<string>? Columns { get; init; }
    public required SourceLocation? ColumnsLocation { get; init; }
    public required char Delimiter { get; init; }
    public required string Label { get; init; }
    public required SourceLocation LabelLocation { get; init; }
    /// <summary>Declared classes in order; null: one class per distinct label value (ordinal order).</summary>
    public IReadOnlyList<ClassSpec>? Classes { get; init; }
    /// <summary>Fraction of train held out as the test set when no test file is given.</summary>
    public required double Holdout { get; init; }
    /// <summary>Fraction of the (remaining) training rows set aside to choose between candidate models.</summary>
    public required double Validation { get; init; }
}

public sealed record ClassSpec(string Name, IReadOnlyList<string> Labels, bool TakesOtherLabels, SourceLocation Location);

public sealed record FeatureSpec(string Name, FeatureKind? Kind, SourceLocation Location);

public sealed record PlatformSpec
{
    public required string Target { get; init; }
    public required SourceLocation TargetLocation { get; init; }
    public required IReadOnlyDictionary<string, double> Resources { get; init; }
    public double? ThroughputGpps { get; init; }
    public double? LatencyNs { get; init; }
}
