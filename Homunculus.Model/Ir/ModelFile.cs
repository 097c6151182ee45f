using System.Linq;

namespace Homunculus.Model.Ir
{
    /// <summary>
    /// The intermediate representation: everything a compiled data-plane program computes, in integers.
    /// Every emitter (P4, Spatial, C#) and the reference interpreter read this and nothing else.
    /// </summary>
    public sealed record ModelFile
    {
        public const int CurrentFormatVersion = 1;

        public int FormatVersion { get; init; } = CurrentFormatVersion;

        /// <summary>The program's name as written in the .hspec (not yet an identifier).</summary>
        public string Name { get; init; } = "";

        /// <summary>The .hspec file name (no directory), named in generated file headers.</summary>
        public string SpecFile { get; init; } = "";

        public string CompilerVersion { get; init; } = "";

        /// <summary>The .hspec algorithm that produced the model ("dnn", "svm", "kmeans", ...).</summary>
        public string Algorithm { get; init; } = "dnn";

        public EquatableArray<FeatureEncoding> Features { get; init; } = EquatableArray<FeatureEncoding>.Empty;

        public EquatableArray<ClassInfo> Classes { get; init; } = EquatableArray<ClassInfo>.Empty;

        public ModelNode Model { get; init; } = new MlpModel();

        public PlatformInfo Platform { get; init; } = new PlatformInfo();

        /// <summary>The per-flow state of a program with flow features or a classification point (docs/flow-features.md); null (absent) otherwise.</summary>
        public FlowSettings? Flow { get; init; }

        /// <summary>True when the features are standard packet fields (docs/packet-features.md), not a feature header.</summary>
        [Newtonsoft.Json.JsonIgnore]
        public bool ReadsPacketFields => Features.Any(f => f.Field != null);

        /// <summary>True when the program keeps per-flow state in registers (docs/flow-features.md).</summary>
        [Newtonsoft.Json.JsonIgnore]
        public bool KeepsFlowState => Flow != null;
    }

    /// <summary>
    /// How a program tracks flows (docs/flow-features.md): a hash-indexed table of <see cref="TableSize"/> slots
    /// keyed by the 5-tuple, where a packet whose flow's fingerprint differs from the slot's, or that comes
    /// more than <see cref="TimeoutMicroseconds"/> after the slot's last packet, starts the slot afresh.
    /// </summary>
    public sealed record FlowSettings
    {
        public const int DefaultTableSize = 65536;
        public const long DefaultTimeoutMicroseconds = 60_000_000;

        /// <summary>Slots of the flow table (a power of two).</summary>
        public int TableSize { get; init; } = DefaultTableSize;

        /// <summary>True: both directions of a conversation are one flow (the endpoints are ordered); false: each direction is a flow.</summary>
        public bool Bidirectional { get; init; }

        /// <summary>Idle time after which a flow starts afresh; 0: never.</summary>
        public long TimeoutMicroseconds { get; init; } = DefaultTimeoutMicroseconds;

        /// <summary>The model decides from the flow's packet <see cref="ClassifyAt"/> on; earlier packets get no class (1: every packet).</summary>
        public int ClassifyAt { get; init; } = 1;
    }

    public enum FeatureKind
    {
        Integer,
        Fractional,
        Categorical,
    }

    /// <summary>
    /// How a raw feature value becomes the unsigned integer the switch sees in the feature header.
    /// Numeric: <c>clamp(round_half_away_from_zero(value * Scale) - Offset, 0, Max)</c>.
    /// Categorical: the index of the value in <see cref="Categories"/> (ordinal order), else <see cref="UnknownCode"/>.
    /// </summary>
    public sealed record FeatureEncoding
    {
        public string Name { get; init; } = "";

        public FeatureKind Kind { get; init; }

        /// <summary>Significant bits of the encoded value (1..32).</summary>
        public int Bits { get; init; }

        /// <summary>Multiplier applied before rounding (1 for integers, 10^d for fractional values).</summary>
        public long Scale { get; init; } = 1;

        /// <summary>Subtracted after scaling, so that the smallest training value encodes as 0.</summary>
        public long Offset { get; init; }

        /// <summary>Largest encoded value; larger values clamp to it.</summary>
        public long Max { get; init; }

        public EquatableArray<string> Categories { get; init; } = EquatableArray<string>.Empty;

        public int UnknownCode => Categories.Count;

        /// <summary>
        /// Where the switch gets the value: null (absent in the model file) for the feature header, else the
        /// name of a standard packet field (<see cref="Packets.PacketFields"/>, e.g. "ipv4.ttl") that the
        /// program's parser reads (docs/packet-features.md).
        /// </summary>
        public string? Field { get; init; }

        /// <summary>Width of the feature's field in the feature header: Bits rounded up to 8, 16 or 32.</summary>
        public int FieldBits => Bits <= 8 ? 8 : Bits <= 16 ? 16 : 32;
    }

    /// <summary>A class the model predicts, with the label values that map to it.</summary>
    public sealed record ClassInfo
    {
        public string Name { get; init; } = "";

        public EquatableArray<string> Labels { get; init; } = EquatableArray<string>.Empty;

        /// <summary>True for the class that takes every label not listed elsewhere (<c>"*"</c>).</summary>
        public bool TakesOtherLabels { get; init; }

        /// <summary>What the switch does with the class's packets (docs/actions.md); null (absent): forward.</summary>
        public ClassAction? Action { get; init; }
    }

    /// <summary>The target the program was compiled for and the estimate of what it costs there.</summary>
    public sealed record PlatformInfo
    {
        public string Target { get; init; } = "";

        public EquatableArray<ResourceFigure> Resources { get; init; } = EquatableArray<ResourceFigure>.Empty;
    }

    /// <summary>One estimated figure against its budget (budget null when the target has none).</summary>
    public sealed record ResourceFigure
    {
        public string Name { get; init; } = "";

        public double Value { get; init; }

        public double? Budget { get; init; }

        public string Unit { get; init; } = "";

        /// <summary>True when the budget is a floor (throughput), false when it is a ceiling (area, latency).</summary>
        public bool AtLeast { get; init; }

        public bool Fits => Budget is null || (AtLeast ? Value >= Budget.Value : Value <= Budget.Value);
    }
}
