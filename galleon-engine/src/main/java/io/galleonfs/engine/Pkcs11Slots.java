package io.galleonfs.engine;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a token's slot id by its label. SunPKCS11 selects tokens only by slot id or slot index, and slot ids are not
 * stable (SoftHSM2 assigns a new one to every token it initialises), so the label the operator chose is looked up here
 * with the library's own {@code C_GetSlotList}/{@code C_GetTokenInfo} (Linux x86-64/aarch64 LP64: CK_ULONG is 64 bits).
 */
final class Pkcs11Slots {
    private static final long CKR_OK = 0;
    private static final long CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
    private static final int TOKEN_INFO_BYTES = 512; // CK_TOKEN_INFO is 208 bytes on LP64; room to spare
    private static final int LABEL_BYTES = 32;

    private Pkcs11Slots() {
    }

    /** The slot id of the token labelled {@code label}; one readable error when there is none or several. */
    static long slotOfToken(Path library, String label) throws EngineException {
        List<String> seen = new ArrayList<>();
        List<Long> matches = new ArrayList<>();
        Linker linker = Linker.nativeLinker();
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lib = SymbolLookup.libraryLookup(library, arena);
            MethodHandle initialize = linker.downcallHandle(lib.find("C_Initialize").orElseThrow(),
                    FunctionDescriptor.of(JAVA_LONG, ADDRESS));
            MethodHandle finalizeLib = linker.downcallHandle(lib.find("C_Finalize").orElseThrow(),
                    FunctionDescriptor.of(JAVA_LONG, ADDRESS));
            MethodHandle slotList = linker.downcallHandle(lib.find("C_GetSlotList").orElseThrow(),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_BYTE, ADDRESS, ADDRESS));
            MethodHandle tokenInfo = linker.downcallHandle(lib.find("C_GetTokenInfo").orElseThrow(),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS));
            long rv = (long) initialize.invokeExact(MemorySegment.NULL);
            if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
                throw new EngineException("PKCS#11 library " + library + ": C_Initialize failed (CKR 0x" + Long.toHexString(rv) + ")");
            }
            boolean ours = rv == CKR_OK; // another user (SunPKCS11) of this library in this process keeps it initialised
            try {
                MemorySegment count = arena.allocate(JAVA_LONG);
                check(library, "C_GetSlotList", (long) slotList.invokeExact((byte) 1, MemorySegment.NULL, count));
                long n = count.get(JAVA_LONG, 0);
                MemorySegment slots = arena.allocate(JAVA_LONG, Math.max(1, n));
                check(library, "C_GetSlotList", (long) slotList.invokeExact((byte) 1, slots, count));
                n = count.get(JAVA_LONG, 0);
                MemorySegment info = arena.allocate(TOKEN_INFO_BYTES, 8);
                for (int i = 0; i < n; i++) {
                    long slot = slots.getAtIndex(JAVA_LONG, i);
                    if ((long) tokenInfo.invokeExact(slot, info) != CKR_OK) {
                        continue;
                    }
                    byte[] raw = info.asSlice(0, LABEL_BYTES).toArray(JAVA_BYTE);
                    String tokenLabel = new String(raw, StandardCharsets.UTF_8).stripTrailing();
                    seen.add(tokenLabel);
                    if (tokenLabel.equals(label)) {
                        matches.add(slot);
                    }
                }
            } finally {
                if (ours) {
                    long ignored = (long) finalizeLib.invokeExact(MemorySegment.NULL);
                }
            }
        } catch (EngineException e) {
            throw e;
        } catch (Throwable e) {
            throw new EngineException("cannot list the tokens of PKCS#11 library " + library + ": " + e.getMessage(), e);
        }
        if (matches.isEmpty()) {
            throw new EngineException("PKCS#11 library " + library + " has no token labelled '" + label + "' (tokens: "
                    + (seen.isEmpty() ? "none" : String.join(", ", seen)) + ")");
        }
        if (matches.size() > 1) {
            throw new EngineException("PKCS#11 library " + library + " has " + matches.size() + " tokens labelled '" + label
                    + "'; set the slot id instead");
        }
        return matches.getFirst();
    }

    private static void check(Path library, String call, long rv) throws EngineException {
        if (rv != CKR_OK) {
            throw new EngineException("PKCS#11 library " + library + ": " + call + " failed (CKR 0x" + Long.toHexString(rv) + ")");
        }
    }
}
