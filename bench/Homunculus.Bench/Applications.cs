using Newtonsoft.Json.Linq;

namespace Homunculus.Bench;

/// <summary>
/// The applications of the quality and search suites: data, features, classes, objective and the
/// platform with its constraints, identical for every row of an application (only the algorithm and
/// its settings change).
/// </summary>
/// <param name="Objective">The .hspec `objective` (what the search maximizes and Δ compares): weighted-f1 or macro-f1.</param>
/// <param name="PlatformNote">The platform and constraints of every row, in words.</param>
/// <param name="PacketFields">Features are packet (or flow) fields from captures; these applications run on bmv2 with no resource limit (the rows compare the work per packet).</param>
public sealed record Application(
    string Id,
    string Title,
    string DataNote,
    Func<JObject> BaseSpec,
    Baseline Baseline,
    string Objective = "weighted-f1",
    string PlatformNote = "Taurus 12 x 10 at >= 1 GPkt/s and <= 500 ns",
    bool PacketFields = false)
{
    /// <summary>The test metrics a quality table reports: the objective first, then weighted F1 if it differs.</summary>
    public IReadOnlyList<string> Metrics => Objective == "weighted-f1" ? new[] { "weighted-f1" } : new[] { Objective, "weighted-f1" };

    public static string MetricName(string metric) => metric switch
    {
        "weighted-f1" => "weighted F1",
        "macro-f1" => "macro F1",
        _ => metric,
    };

    public static double Of(Homunculus.Compiler.Training.Metrics m, string metric) => metric switch
    {
        "macro-f1" => m.MacroF1,
        "accuracy" => m.Accuracy,
        _ => m.WeightedF1,
    };
}

/// <summary>The hand-tuned model a row compares against: a fixed family and settings.</summary>
public sealed record Baseline(string Label, string Algorithm, JObject Settings);

public static class Applications
{
    public static readonly string[] NslKddColumns =
    {
        "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land", "wrong_fragment", "urgent", "hot",
        "num_failed_logins", "logged_in", "num_compromised", "root_shell", "su_attempted", "num_root", "num_file_creations",
        "num_shells", "num_access_files", "num_outbound_cmds", "is_host_login", "is_guest_login", "count", "srv_count",
        "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate", "same_srv_rate", "diff_srv_rate",
        "srv_diff_host_rate", "dst_host_count", "dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
        "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate", "dst_host_srv_serror_rate",
        "dst_host_rerror_rate", "dst_host_srv_rerror_rate", "label", "difficulty",
    };

    public static readonly string[] IscxFeatures =
    {
        "duration", "total_fiat", "total_biat", "min_fiat", "min_biat", "max_fiat", "max_biat", "mean_fiat", "mean_biat",
        "flowPktsPerSecond", "flowBytesPerSecond", "min_flowiat", "max_flowiat", "mean_flowiat", "std_flowiat",
        "min_active", "mean_active", "max_active", "std_active", "min_idle", "mean_idle", "max_idle", "std_idle",
    };

    /// <summary>Taurus 12 x 10 grid at line rate (1 GPkt/s), 500 ns: the platform of every row.</summary>
    public static JObject TaurusPlatform() => JObject.Parse("""
        { "target": "taurus", "resources": { "rows": 12, "cols": 10 }, "throughputGpps": 1, "latencyNs": 500 }
        """);

    public static Application AnomalyDetection { get; } = new(
        "nsl-kdd",
        "Anomaly detection, NSL-KDD",
        "train KDDTrain+_20Percent (25,192 rows; 20% of it is the validation split), test KDDTest+ (22,544 rows); the 7 Taurus features (duration, protocol_type, service, src_bytes, dst_bytes, wrong_fragment, urgent); classes normal / attack",
        () => new JObject
        {
            ["name"] = "AnomalyDetector",
            ["data"] = new JObject
            {
                ["train"] = Path.Combine(Repo.Root, "samples/AnomalyDetection/data/nsl-kdd-train.csv"),
                ["test"] = Path.Combine(Repo.Root, "samples/AnomalyDetection/data/nsl-kdd-test.csv"),
                ["hasHeader"] = false,
                ["columns"] = new JArray(NslKddColumns),
                ["label"] = "label",
                ["classes"] = JObject.Parse("""{ "normal": ["normal"], "attack": "*" }"""),
            },
            ["features"] = JArray.Parse("""
                ["duration", { "name": "protocol_type", "type": "categorical" }, { "name": "service", "type": "categorical" },
                 "src_bytes", "dst_bytes", "wrong_fragment", "urgent"]
                """),
            ["objective"] = "weighted-f1",
            ["platform"] = TaurusPlatform(),
        },
        // The Taurus work's hand-tuned network (docs: /work/shared/notes/anchors.md): DNN 12-6-3,
        // Adam 1e-3, 30 epochs, batch 1024.
        new Baseline("hand-tuned Taurus DNN 12-6-3 (Adam 1e-3, 30 epochs, batch 1024)", "dnn",
            JObject.Parse("""{ "hidden": [12, 6, 3], "learningRate": 0.001, "epochs": 30, "batchSize": 1024 }""")));

    public static Application TrafficClassification { get; } = new(
        "iscx-vpn",
        "Traffic classification, ISCX VPN-nonVPN (15 s windows)",
        "bench/data/iscx-vpn2016-15s.arff (18,758 rows); no test file: a stratified 20% holdout per seed is the test set, 20% of the rest the validation split; all 23 time-based flow features, -1 (missing) filled with 0; classes Non-VPN / VPN",
        () => new JObject
        {
            ["name"] = "VpnClassifier",
            ["data"] = new JObject
            {
                ["train"] = Path.Combine(Repo.Root, "bench/data/iscx-vpn2016-15s.arff"),
                ["label"] = "class1",
                ["missing"] = JObject.Parse("""{ "values": [-1], "policy": "fill", "fill": 0 }"""),
            },
            ["features"] = new JArray(IscxFeatures),
            ["objective"] = "weighted-f1",
            ["platform"] = TaurusPlatform(),
        },
        // The Homunculus work's hand-tuned botnet network shape: 4 x 10 neurons.
        new Baseline("hand-tuned DNN 4 x 10", "dnn", JObject.Parse("""{ "hidden": [10, 10, 10, 10] }""")));

    /// <summary>The IoT Sentinel devices of samples/DeviceClassification/data (one folder each).</summary>
    public static readonly string[] DeviceFeatures =
    {
        "packet.length", "eth.type", "ipv4.protocol", "ipv4.ttl", "ipv4.flags", "ipv4.dscp",
        "ipv6.nextHeader", "tcp.srcPort", "tcp.dstPort", "tcp.flags", "tcp.window",
        "udp.srcPort", "udp.dstPort", "udp.length", "icmp.type",
    };

    /// <summary>
    /// Device-type identification from single packets, the samples/DeviceClassification data and
    /// features (referenced in place, not copied). The platform is bmv2 with its defaults (no resource
    /// limit), not the Taurus grid of the other applications: the sample's features include
    /// packet.length, which a Tofino ingress cannot read (HMC2008), and bmv2 keeps every family feasible.
    /// </summary>
    public static Application DeviceClassification { get; } = new(
        "iot-sentinel",
        "Device classification, IoT Sentinel captures (8 devices, single packets)",
        "samples/DeviceClassification/data (IoT Sentinel set-up captures of 8 devices, referenced in place): train = data/train/*/*.pcap, test = data/test/*/*.pcap (sessions 1 and 2 of each person, held out whole), label = the capture's folder, only the packets the device sent (`ethSrcFile`); every packet is a row; the sample's 15 packet-field features (packet.length, eth.type, ipv4.protocol, ipv4.ttl, ipv4.flags, ipv4.dscp, ipv6.nextHeader, tcp.srcPort, tcp.dstPort, tcp.flags, tcp.window, udp.srcPort, udp.dstPort, udp.length, icmp.type); the validation split sets aside whole training captures, 20% of each class's (`validationBy: \"file\"`, the compiler's default for captures), and the test captures are held out whole; objective macro-f1 (as the sample); 8 classes",
        () => new JObject
        {
            ["name"] = "DeviceClassifier",
            ["data"] = new JObject
            {
                ["format"] = "pcap",
                ["train"] = Path.Combine(Repo.Root, "samples/DeviceClassification/data/train/*/*.pcap"),
                ["test"] = Path.Combine(Repo.Root, "samples/DeviceClassification/data/test/*/*.pcap"),
                ["labelFromFolder"] = true,
                ["filter"] = new JObject { ["ethSrcFile"] = "_iotdevice-mac.txt" },
            },
            ["features"] = new JArray(DeviceFeatures),
            ["objective"] = "macro-f1",
            ["platform"] = new JObject { ["target"] = "bmv2" },
        },
        // The baseline for the applications other than anomaly detection: the Homunculus work's
        // hand-tuned botnet network shape, 4 x 10 neurons.
        new Baseline("hand-tuned DNN 4 x 10", "dnn", JObject.Parse("""{ "hidden": [10, 10, 10, 10] }""")),
        Objective: "macro-f1",
        PlatformNote: "bmv2 with its defaults (no resource limit), so this constraint differs from the Taurus applications' (every model is feasible; the figures compare the work per packet)",
        PacketFields: true);

    /// <summary>The flow features of samples/DeviceClassification/flows.hspec.</summary>
    public static readonly string[] DeviceFlowFeatures =
    {
        "packet.length", "ipv4.protocol", "tcp.dstPort", "udp.dstPort",
        "flow.packets", "flow.meanLength", "flow.minLength", "flow.maxLength", "flow.maxInterArrival", "flow.synCount",
    };

    /// <summary>
    /// Device-type identification from flows: the flows.hspec sample (header fields plus per-flow state in
    /// registers, bidirectional flows, decisions from each flow's second packet on).
    /// </summary>
    public static Application DeviceFlowClassification { get; } = new(
        "iot-sentinel-flows",
        "Device classification from flows, IoT Sentinel captures (8 devices, from each flow's 2nd packet)",
        "the same captures, split and filter as the single-packet application; features: packet.length, ipv4.protocol, tcp.dstPort, udp.dstPort and the flow fields flow.packets, flow.meanLength, flow.minLength, flow.maxLength, flow.maxInterArrival, flow.synCount (bidirectional flows, 65536 slots, 60 s timeout, docs/flow-features.md); the model decides from each flow's 2nd packet on, so the rows are the device's packets at or after that point (packets without IPv4/IPv6 and first packets of flows are not rows): a different, smaller test set than the single-packet application's; objective macro-f1; 8 classes",
        () =>
        {
            var spec = DeviceClassification.BaseSpec();
            spec["name"] = "FlowDeviceClassifier";
            spec["features"] = new JArray(DeviceFlowFeatures);
            spec["flow"] = new JObject { ["bidirectional"] = true, ["classifyAt"] = 2 };
            return spec;
        },
        new Baseline("hand-tuned DNN 4 x 10", "dnn", JObject.Parse("""{ "hidden": [10, 10, 10, 10] }""")),
        Objective: "macro-f1",
        PlatformNote: "bmv2 with its defaults (no resource limit), as the single-packet application",
        PacketFields: true);

    /// <summary>The applications of the quality and search suites.</summary>
    public static IReadOnlyList<Application> All { get; } = new[] { AnomalyDetection, TrafficClassification, DeviceClassification, DeviceFlowClassification };

    /// <summary>The applications with tabular (feature-header) data, which every target runs (the switch suite's Tofino comparison).</summary>
    public static IReadOnlyList<Application> Tabular { get; } = All.Where(a => !a.PacketFields).ToArray();

    /// <summary>The application's .hspec with one algorithm and its settings (null: the family's defaults).</summary>
    public static JObject Spec(Application app, string algorithm, JObject? settings, int seed)
    {
        var spec = app.BaseSpec();
        spec["algorithms"] = new JArray(algorithm);
        if (settings is { Count: > 0 }) spec["model"] = new JObject { [algorithm] = settings };
        spec["seed"] = seed;
        return spec;
    }
}
