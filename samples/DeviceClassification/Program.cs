// Classifies every held-out packet (data/test/<Device>/*.pcap, the packets the device sent) from its raw
// bytes with the generated stub - DeviceClassifier.FromPacket computes the packet fields exactly as the
// generated P4 parser does - and prints accuracy, macro-F1 and where the compiled outputs are.
using System.Buffers.Binary;
using System.Globalization;
using DeviceClassification;

string project = FindProjectFolder();
string testFolder = Path.Combine(project, "data", "test");
int classes = DeviceClassifier.ClassCount;
var confusion = new int[classes, classes];
int packets = 0;

foreach (string deviceFolder in Directory.GetDirectories(testFolder).Order(StringComparer.Ordinal))
{
    string device = Path.GetFileName(deviceFolder);
    if (!DeviceClassifier.TryGetClass(device, out var expected)) throw new InvalidOperationException($"no class for {device}");
    byte[] mac = ParseMac(File.ReadAllText(Path.Combine(deviceFolder, "_iotdevice-mac.txt")));
    foreach (string capture in Directory.GetFiles(deviceFolder, "*.pcap").Order(StringComparer.Ordinal))
    {
        foreach (var frame in ReadPcap(File.ReadAllBytes(capture)))
        {
            if (frame.Length < 12 || !frame.AsSpan(6, 6).SequenceEqual(mac)) continue;   // sent by the device only
            var features = DeviceClassifier.FromPacket(frame);
            var predicted = DeviceClassifier.Predict(features);
            confusion[(int)expected, (int)predicted]++;
            packets++;
        }
    }
}

int correct = 0;
double f1Sum = 0;
Console.WriteLine($"{"device",-18} {"packets",8} {"precision",9} {"recall",7} {"F1",6}");
for (int c = 0; c < classes; c++)
{
    correct += confusion[c, c];
    int actual = 0, predicted = 0;
    for (int k = 0; k < classes; k++) { actual += confusion[c, k]; predicted += confusion[k, c]; }
    double precision = predicted == 0 ? 0 : confusion[c, c] / (double)predicted;
    double recall = actual == 0 ? 0 : confusion[c, c] / (double)actual;
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    f1Sum += f1;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DeviceClassifier.ClassNames[c],-18} {actual,8} {precision,9:0.000} {recall,7:0.000} {f1,6:0.000}"));
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{packets} held-out packets: accuracy {correct / (double)packets:0.0000}, macro-F1 {f1Sum / classes:0.0000}"));

string outputs = Directory.GetDirectories(Path.Combine(project, "obj"), "devices", SearchOption.AllDirectories)
    .FirstOrDefault(d => d.Contains("homunculus", StringComparison.Ordinal)) ?? "(build the project first)";
Console.WriteLine($"compiled outputs: {outputs}");
foreach (string file in new[] { "model.json", "bmv2/device_classifier.p4", "report.html" })
    Console.WriteLine($"  {Path.Combine(outputs, file)}");

static string FindProjectFolder()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "devices.hspec"))) return dir.FullName;
    throw new InvalidOperationException("cannot find devices.hspec above " + AppContext.BaseDirectory);
}

static byte[] ParseMac(string text) =>
    text.Trim().Split(':').Select(p => byte.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();

// Classic libpcap (either byte order, micro- or nanosecond timestamps), Ethernet frames.
static IEnumerable<byte[]> ReadPcap(byte[] file)
{
    uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
    bool little = magic is 0xA1B2C3D4 or 0xA1B23C4D;
    uint U32(int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at));
    for (int at = 24; at + 16 <= file.Length;)
    {
        int captured = (int)U32(at + 8);
        yield return file.AsSpan(at + 16, captured).ToArray();
        at += 16 + captured;
    }
}
