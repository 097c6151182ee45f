using System.Collections.Generic;
using System.Globalization;
using System.Linq;
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
    /// <summary>The least acceptable value of the objective on the test set, if any.</summary>
    public double? Minimum { get; init; }
    /// <summary>Whether falling short of <see cref="Minimum"/> fails the build (else it warns).</summary>
    public bool MinimumIsError { get; init; } = true;
    public required SourceLocation ObjectiveLocation { get; init; }
    public required IReadOnlyList<string> Algorithms { get; init; }
    /// <summary>Per algorithm of <see cref="Algorithms"/>, its family's settings (defaults filled in).</summary>
    public required IReadOnlyDictionary<string, object> Settings { get; init; }
    public required PlatformSpec Platform { get; init; }
    public required int Seed { get; init; }
    /// <summary>The design-space search settings; null: each algorithm is trained once with its settings (docs/search.md).</summary>
    public SearchSpec? Search { get; init; }
    /// <summary>The flow table of a program with flow features or a classification point (docs/flow-features.md); null: no flow state.</summary>
    public FlowSettings? Flow { get; init; }
    /// <summary>Where "flow" and its table's properties are written (null: no "flow" block), for what a target's flow table cannot do.</summary>
    public FlowLocations? FlowLocations { get; init; }
    /// <summary>The classification points the search chooses from ("flow.classifyAt": [..], ascending); null: <see cref="Flow"/>'s only.</summary>
    public IReadOnlyList<int>? ClassifyAtChoices { get; init; }
    /// <summary>The per-class actions as declared, in .hspec order (docs/actions.md); empty: every class is forwarded.</summary>
    public IReadOnlyList<ActionSpec> Actions { get; init; } = [];
    /// <summary>Per algorithm, whether "model.&lt;name&gt;" was written (with a search, those settings are tried first).</summary>
    public IReadOnlySet<string> ExplicitSettings { get; init; } = new HashSet<string>();
    /// <summary>The models of a schedule (docs/schedule.md) in schedule order (every model after the one it follows); empty: one model.</summary>
    public IReadOnlyList<ModelSpec> Models { get; init; } = [];
    /// <summary>Where "models" is written (null without it).</summary>
    public SourceLocation? ModelsLocation { get; init; }
    /// <summary>The lock file of the configuration a search chose; null: <c>&lt;file&gt;.hspec.lock</c>.</summary>
    public string? LockPath { get; init; }
}

/// <summary>The "flow" block and its "tableSize" and "timeoutSeconds" values (null: not written).</summary>
public sealed record FlowLocations(SourceLocation Block, SourceLocation? TableSize, SourceLocation? Timeout);

/// <summary>
/// One entry of the .hspec's <c>"models"</c> (docs/schedule.md): a model of the schedule with its features (a subset
/// of the .hspec's, in .hspec order), classes, candidate algorithms and settings, its share of the target's budget,
/// and where it runs: after an earlier model (for some of its classes, or reading its class), or for every packet.
/// </summary>
public sealed record ModelSpec
{
    public required string Name { get; init; }
    public required SourceLocation NameLocation { get; init; }
    /// <summary>The .hspec features the model reads, in .hspec order.</summary>
    public required IReadOnlyList<FeatureSpec> Features { get; init; }
    /// <summary>The model's own classes; null: those of <c>data.classes</c> (or one per label).</summary>
    public IReadOnlyList<ClassSpec>? Classes { get; init; }
    public SourceLocation? ClassesLocation { get; init; }
    public required IReadOnlyList<string> Algorithms { get; init; }
    /// <summary>Per algorithm, its family's settings: the model's own "model.&lt;family&gt;", else the .hspec's, else defaults.</summary>
    public required IReadOnlyDictionary<string, object> Settings { get; init; }
    public IReadOnlySet<string> ExplicitSettings { get; init; } = new HashSet<string>();
    /// <summary>The fraction of the target's budget the model's search gets (declared, or an equal part of what is left).</summary>
    public required double Share { get; init; }
    /// <summary>The earlier model this one runs after; null: it runs for every packet.</summary>
    public string? After { get; init; }
    public SourceLocation? AfterLocation { get; init; }
    /// <summary>Classes of <see cref="After"/> the model runs for, as written; empty: all.</summary>
    public IReadOnlyList<(string Class, SourceLocation Location)> When { get; init; } = [];
    /// <summary>Whether the model reads <see cref="After"/>'s class as a feature.</summary>
    public bool Input { get; init; }
    /// <summary>The model's own per-class actions (its classes), in .hspec order; how several models' actions combine: docs/schedule.md.</summary>
    public IReadOnlyList<ActionSpec> Actions { get; init; } = [];
}

/// <summary>.hspec "search": budgets of the design-space exploration.</summary>
public sealed record SearchSpec
{
    public const int DefaultTrials = 24;

    /// <summary>Trained candidates (candidates the structural estimate rules out before training do not count).</summary>
    public int Trials { get; init; } = DefaultTrials;
    /// <summary>Random candidates before the surrogate model takes over; null: a quarter of the trials, at least 4.</summary>
    public int? InitialTrials { get; init; }
    /// <summary>Wall-clock limit; the search stops after the batch running when it is reached (results then depend on machine speed).</summary>
    public double? TimeLimitSeconds { get; init; }
    /// <summary>Trials trained at once; null: one per processor core. Never changes the results.</summary>
    public int? Parallel { get; init; }
    /// <summary>Seed of the search's random choices; null: the .hspec's seed.</summary>
    public int? Seed { get; init; }
    /// <summary>Whether the number of features (the k most informative) is a dimension of the search.</summary>
    public bool FeatureSelection { get; init; } = true;
    /// <summary>"bayesian" (default): constrained Bayesian optimization; "random": every point after the fixed ones is a random sample (a baseline to compare with).</summary>
    public string Strategy { get; init; } = BayesianStrategy;
    public required SourceLocation Location { get; init; }

    public const string BayesianStrategy = "bayesian";
    public const string RandomStrategy = "random";
    public static readonly IReadOnlyList<string> Strategies = new[] { BayesianStrategy, RandomStrategy };

    /// <summary>Whether a surrogate model proposes points (false: random search).</summary>
    public bool Guided => Strategy != RandomStrategy;

    public int InitialTrialsOrDefault => InitialTrials ?? Math.Max(4, Trials / 4);
}

/// <summary>A path as written and resolved against the .hspec's folder, with where it was written.</summary>
public sealed record DataPath(string Written, string FullPath, SourceLocation Location);

public enum DataFormat
{
    Csv,
    Arff,
    /// <summary>Classic libpcap captures: one row per packet, features are packet fields (docs/packet-features.md).</summary>
    Pcap,
}

/// <summary>
/// One capture file of a pcap program, with its label and the source MAC and IP address its packets must carry
/// (null: any; both given: both must match).
/// </summary>
public sealed record PcapCapture(DataPath File, string Label, string? EthSrc, DataPath? EthSrcFile)
{
    /// <summary>The IPv4 or IPv6 source address the selected packets carry (text as written); null: any.</summary>
    public string? IpSrc { get; init; }

    /// <summary>A file in the capture's folder holding <see cref="IpSrc"/>.</summary>
    public DataPath? IpSrcFile { get; init; }

    /// <summary>The switch port the capture's packets arrive on (<c>ingress.port</c>); null: not declared, read as 0.</summary>
    public int? IngressPort { get; init; }
}

/// <summary>.hspec "data" with "format": "pcap".</summary>
public sealed record PcapData
{
    public required IReadOnlyList<PcapCapture> Train { get; init; }
    /// <summary>Explicit test captures; empty: a holdout of the training captures.</summary>
    public required IReadOnlyList<PcapCapture> Test { get; init; }
    /// <summary>Hold out whole capture files (per label), not single packets: packets of one session never land on both sides.</summary>
    public required bool HoldoutByFile { get; init; }
    /// <summary>
    /// Choose between candidate models on whole training captures (per label), not single packets: a model that
    /// memorizes sessions must not score on packets of the sessions it learned from.
    /// </summary>
    public bool ValidationByFile { get; init; } = true;
}

public enum MissingPolicy
{
    /// <summary>A missing value is an error naming the row.</summary>
    Error,
    /// <summary>Rows with a missing value in the feature are dropped (from training and test data alike).</summary>
    DropRow,
    /// <summary>A missing value is replaced by <see cref="MissingValues.Fill"/>.</summary>
    Fill,
}

/// <summary>Which texts mean "missing" for a feature and what to do about them.</summary>
public sealed record MissingValues(IReadOnlyList<string> Markers, MissingPolicy Policy, string? Fill)
{
    public static MissingValues Default { get; } = new(new[] { "", "?" }, MissingPolicy.Error, null);

    /// <summary>A marker matches a value by text, or by number when both are numbers ("-1" matches "-1.0").</summary>
    public bool IsMissing(string value)
    {
        string text = value.Trim();
        foreach (var marker in Markers)
        {
            if (marker == text) return true;
            if (Number(marker) is double m && Number(text) is double v && m == v) return true;
        }
        return false;
    }

    private static double? Number(string text) =>
        text.Length > 0 && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
}

public sealed record DataSpec
{
    /// <summary>The training files (globs expanded, in ordinal order of their paths per pattern).</summary>
    public required IReadOnlyList<DataPath> Train { get; init; }
    /// <summary>The declared format, or null to decide per file by its extension (.arff: ARFF, else CSV).</summary>
    public DataFormat? Format { get; init; }
    public DataFormat FormatOf(DataPath path) =>
        Format ?? (path.FullPath.EndsWith(".arff", StringComparison.OrdinalIgnoreCase) ? DataFormat.Arff : DataFormat.Csv);
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
    /// <summary>The class whose F1 the "f1" objective measures (binary problems); null: the second class.</summary>
    public string? PositiveClass { get; init; }
    public SourceLocation? PositiveClassLocation { get; init; }
    /// <summary>The captures of a pcap program (<see cref="Format"/> = Pcap); then <see cref="Train"/> lists every file read (captures and MAC files).</summary>
    public PcapData? Pcap { get; init; }
}

public sealed record ClassSpec(string Name, IReadOnlyList<string> Labels, bool TakesOtherLabels, SourceLocation Location);

/// <summary>A feature as declared: its column, kind, encoding overrides (null: derived from the data) and missing-value rule.</summary>
public sealed record FeatureSpec(string Name, FeatureKind? Kind, SourceLocation Location)
{
    public int? Bits { get; init; }
    public long? Scale { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    public MissingValues Missing { get; init; } = MissingValues.Default;
    /// <summary>The packet field the feature reads (docs/packet-features.md); null: a data column.</summary>
    public string? Field { get; init; }
}

public sealed record PlatformSpec
{
    public required string Target { get; init; }
    public required SourceLocation TargetLocation { get; init; }
    public required IReadOnlyDictionary<string, double> Resources { get; init; }
    public double? ThroughputGpps { get; init; }
    public double? LatencyNs { get; init; }
}
