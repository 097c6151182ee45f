using System;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Pipeline;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Generators.Tests
{
    /// <summary>
    /// The stub of the real sample model (NSL-KDD, compiled by the compiler) against the reference
    /// interpreter on every row of the sample's test file: the C# host and the switch agree on every packet.
    /// </summary>
    public class SampleModelTests
    {
        [Fact]
        public void Stub_equals_the_reference_interpreter_on_every_test_row_of_the_sample()
        {
            string root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "Homunculus.slnx"))) root = Path.GetDirectoryName(root)!;
            string sample = Path.Combine(root, "samples", "AnomalyDetection");
            string output = Path.Combine(Path.GetTempPath(), "hmc-stub-" + Guid.NewGuid().ToString("N"));
            try
            {
                var result = Compilation.Run(new CompileRequest(Path.Combine(sample, "anomaly.hspec"), output, null, null), default);
                Assert.True(result.Success, string.Join("\n", result.Diagnostics));
                var model = result.Model!;

                var bridge = BitExactnessTests.CompileWithBridge(model, checkOverflow: false);
                var predict = bridge.GetMethod("PredictEncoded")!;
                var parseEncode = bridge.GetMethod("ParseEncode")!;

                int[] featureColumns = { 0, 1, 2, 4, 5, 7, 8 };   // duration, protocol_type, service, src_bytes, dst_bytes, wrong_fragment, urgent
                Assert.Equal(new[] { "duration", "protocol_type", "service", "src_bytes", "dst_bytes", "wrong_fragment", "urgent" }, model.Features.Select(f => f.Name));

                int rows = 0;
                foreach (var line in File.ReadLines(Path.Combine(sample, "data", "nsl-kdd-test.csv")))
                {
                    var fields = line.Split(',');
                    var values = featureColumns.Select(c => fields[c]).ToArray();
                    var expected = model.Features.Select((f, i) => FeatureEncoder.Encode(f, values[i])).ToArray();
                    var encoded = (long[])parseEncode.Invoke(null, new object[] { values })!;
                    Assert.Equal(expected, encoded);
                    Assert.Equal(ReferenceInterpreter.Predict(model, expected), (int)predict.Invoke(null, new object[] { encoded })!);
                    rows++;
                }
                Assert.Equal(22544, rows);
            }
            finally
            {
                if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
            }
        }
    }
}
