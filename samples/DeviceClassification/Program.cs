// Classifies the held-out captures (data/test/<Device>/*.pcap) from raw bytes with the two generated stubs:
// - DeviceClassifier (devices.hspec): every packet the device sent, from its header fields
//   (FromPacket computes them exactly as the generated P4 parser does);
// - FlowDeviceClassifier (flows.hspec): header fields plus per-flow state; its FlowTracker sees every
//   packet of the capture, as the switch would, and the model decides from each flow's second packet on.
// - DeviceSchedule (schedule.hspec): three models in one program; "plug" runs only for the packets "hub" calls
//   a plug (docs/schedule.md), and Decide says which models ran and what they decided.
// Prints accuracy and macro-F1 of each over the device's packets it decided, and where the outputs are.
using System.Buffers.Binary;
using System.Globalization;
using DeviceClassification;

string project = FindProjectFolder();
string testFolder = Path.Combine(project, "data", "test");

Evaluate("per packet (devices.hspec)", DeviceClassifier.ClassNames.ToArray(),
    device => DeviceClassifier.TryGetClass(device, out var c) ? (int)c : -1,
    () => (frame, _) => (int)DeviceClassifier.Predict(DeviceClassifier.FromPacket(frame)));

Evaluate("per flow (flows.hspec)", FlowDeviceClassifier.ClassNames.ToArray(),
    device => FlowDeviceClassifier.TryGetClass(device, out var c) ? (int)c : -1,
    () =>
    {
        // One tracker per capture: each capture is its own traffic source, as for the compiler.
        var tracker = new FlowDeviceClassifier.FlowTracker();
        return (frame, timestamp) => tracker.Classify(frame, timestamp) is { } c ? (int)c : null;
    });

EvaluateSchedule();

foreach (var (hspec, p4) in new[] { ("devices", "bmv2/device_classifier.p4"), ("flows", "bmv2/flow_device_classifier.p4"), ("schedule", "bmv2/device_schedule.p4") })
{
    string outputs = Directory.GetDirectories(Path.Combine(project, "obj"), hspec, SearchOption.AllDirectories)
        .FirstOrDefault(d => d.Contains("homunculus", StringComparison.Ordinal)) ?? "(build the project first)";
    Console.WriteLine($"compiled outputs of {hspec}.hspec: {outputs}");
    foreach (string file in new[] { "model.json", p4, "report.html" })
        Console.WriteLine($"  {Path.Combine(outputs, file)}");
}

void Evaluate(string title, IReadOnlyList<string> classNames, Func<string, int> classOf, Func<Func<byte[], long, int?>> newClassifier)
{
    int classes = classNames.Count;
    var confusion = new int[classes, classes];
    int decided = 0, undecided = 0;
    foreach (string deviceFolder in Directory.GetDirectories(testFolder).Order(StringComparer.Ordinal))
    {
        int expected = classOf(Path.GetFileName(deviceFolder));
        if (expected < 0) throw new InvalidOperationException($"no class for {deviceFolder}");
        byte[] mac = ParseMac(File.ReadAllText(Path.Combine(deviceFolder, "_iotdevice-mac.txt")));
        foreach (string capture in Directory.GetFiles(deviceFolder, "*.pcap").Order(StringComparer.Ordinal))
        {
            var classify = newClassifier();
            foreach (var (frame, timestamp) in ReadPcap(File.ReadAllBytes(capture)))
            {
                int? predicted = classify(frame, timestamp);
                if (frame.Length < 12 || !frame.AsSpan(6, 6).SequenceEqual(mac)) continue;   // score what the device sent
                if (predicted is not int p) { undecided++; continue; }
                confusion[expected, p]++;
                decided++;
            }
        }
    }

    Console.WriteLine($"== {title}");
    Console.WriteLine($"{"device",-18} {"packets",8} {"precision",9} {"recall",7} {"F1",6}");
    int correct = 0;
    double f1Sum = 0;
    for (int c = 0; c < classes; c++)
    {
        correct += confusion[c, c];
        int actual = 0, predicted = 0;
        for (int k = 0; k < classes; k++) { actual += confusion[c, k]; predicted += confusion[k, c]; }
        double precision = predicted == 0 ? 0 : confusion[c, c] / (double)predicted;
        double recall = actual == 0 ? 0 : confusion[c, c] / (double)actual;
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        f1Sum += f1;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{classNames[c],-18} {actual,8} {precision,9:0.000} {recall,7:0.000} {f1,6:0.000}"));
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{decided} held-out packets decided ({undecided} before their flow's classification point): accuracy {correct / (double)decided:0.0000}, macro-F1 {f1Sum / classes:0.0000}"));
    Console.WriteLine();
}

// The schedule's second stage: of the plugs' held-out packets, how many "hub" passed on to "plug", and how many of
// those "plug" gave the right maker.
void EvaluateSchedule()
{
    int plugPackets = 0, passed = 0, right = 0;
    foreach (string deviceFolder in Directory.GetDirectories(testFolder).Order(StringComparer.Ordinal))
    {
        if (!DeviceSchedule.Plug.TryGetClass(Path.GetFileName(deviceFolder), out var maker)) continue;
        byte[] mac = ParseMac(File.ReadAllText(Path.Combine(deviceFolder, "_iotdevice-mac.txt")));
        foreach (string capture in Directory.GetFiles(deviceFolder, "*.pcap").Order(StringComparer.Ordinal))
        {
            foreach (var (frame, _) in ReadPcap(File.ReadAllBytes(capture)))
            {
                if (frame.Length < 12 || !frame.AsSpan(6, 6).SequenceEqual(mac)) continue;
                plugPackets++;
                if (DeviceSchedule.Decide(DeviceSchedule.FromPacket(frame)).Plug is not { } decided) continue;
                passed++;
                if (decided == maker) right++;
            }
        }
    }
    Console.WriteLine("== schedule (schedule.hspec)");
    Console.WriteLine($"{plugPackets} held-out packets of the plugs: 'hub' passed {passed} on to 'plug', which named the right maker for {right}");
    Console.WriteLine();
}

static string FindProjectFolder()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "devices.hspec"))) return dir.FullName;
    throw new InvalidOperationException("cannot find devices.hspec above " + AppContext.BaseDirectory);
}

static byte[] ParseMac(string text) =>
    text.Trim().Split(':').Select(p => byte.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();

// Classic libpcap (either byte order, micro- or nanosecond timestamps), Ethernet frames, with their
// timestamps in microseconds.
static IEnumerable<(byte[] Frame, long TimestampMicroseconds)> ReadPcap(byte[] file)
{
    uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
    bool little = magic is 0xA1B2C3D4 or 0xA1B23C4D;
    uint U32(int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at));
    bool nanoseconds = U32(0) == 0xA1B23C4D;
    for (int at = 24; at + 16 <= file.Length;)
    {
        long fraction = U32(at + 4);
        long timestamp = U32(at) * 1_000_000L + (nanoseconds ? fraction / 1000 : fraction);
        int captured = (int)U32(at + 8);
        yield return (file.AsSpan(at + 16, captured).ToArray(), timestamp);
        at += 16 + captured;
    }
}
