using System.Collections.Generic;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Data;

/// <summary>
/// Every frame of one capture file, in capture order, as positions in the file's bytes (with their capture
/// times), and per frame whether the capture's source-address filter selects it (true for every frame without a
/// filter). The test vectors of a packet-field or flow program are these frames: the compilation hands them to
/// the vectors emitter beside the model file, never inside it (docs/test-vectors.md).
/// </summary>
/// <param name="Label">The capture's label (its folder's name or its entry's <c>label</c>).</param>
/// <param name="File">The capture file's bytes, which <paramref name="Frames"/> point into.</param>
public sealed record CaptureFrames(string Label, byte[] File, IReadOnlyList<PcapFrame> Frames, IReadOnlyList<bool> Selected)
{
    /// <summary>The switch port the capture declares its traffic arrives on (<c>ingressPort</c>); null: none declared.</summary>
    public int? IngressPort { get; init; }

    /// <summary>A copy of frame <paramref name="index"/>'s captured bytes.</summary>
    public byte[] Frame(int index) => File.AsSpan(Frames[index].Offset, Frames[index].CapturedLength).ToArray();
}
