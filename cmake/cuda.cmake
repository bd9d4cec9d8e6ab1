# The CUDA backend: kernels are CUDA C++ sources compiled at run time by NVRTC, so nothing
# here needs nvcc. The runtime is linked statically (it finds the driver at run time, so the
# library loads on machines without a GPU); NVRTC and cuBLASLt come from the toolkit.
find_package(CUDAToolkit REQUIRED)

file(GLOB KILN_CUDA_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kiln/backend/cuda/*.cpp)
target_sources(kiln PRIVATE ${KILN_CUDA_SOURCES})
get_target_property(_kiln_sources kiln SOURCES)
list(FILTER _kiln_sources INCLUDE REGEX "backend/no_gpu.cpp$")
set_source_files_properties(${_kiln_sources} PROPERTIES HEADER_FILE_ONLY ON)
target_compile_definitions(kiln PUBLIC KILN_HAS_CUDA=1)
target_link_libraries(kiln PUBLIC CUDA::cudart_static CUDA::nvrtc CUDA::cublasLt)
# Custom kernels may include the toolkit's headers (cooperative_groups.h...): the toolkit
# found here is one place to look for them at run time.
set_source_files_properties(${PROJECT_SOURCE_DIR}/kiln/backend/cuda/custom_kernel.cpp
  PROPERTIES COMPILE_DEFINITIONS "KILN_CUDA_TOOLKIT_ROOT=\"${CUDAToolkit_LIBRARY_ROOT}\"")

# Headers shared with the device (the numeric types and the elementwise formulas) and the
# kernel sources are embedded as strings: NVRTC compiles the very text the CPU build uses.
file(GLOB KILN_DEVICE_TEXT CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/kiln/types/*.h
  ${PROJECT_SOURCE_DIR}/kiln/backend/common/elementwise_ops.h
  ${PROJECT_SOURCE_DIR}/kiln/backend/common/index_map.h
  ${PROJECT_SOURCE_DIR}/kiln/backend/common/reduce_ops.h
  ${PROJECT_SOURCE_DIR}/kiln/backend/common/threefry.h
  ${PROJECT_SOURCE_DIR}/kiln/backend/cuda/kernels/*.cuh)
set(KILN_EMBEDDED ${PROJECT_BINARY_DIR}/generated/kiln/cuda_embedded_sources.cpp)
string(REPLACE ";" "|" KILN_DEVICE_TEXT_ARG "${KILN_DEVICE_TEXT}")
add_custom_command(
  OUTPUT ${KILN_EMBEDDED}
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${KILN_EMBEDDED} -DROOT=${PROJECT_SOURCE_DIR}
          "-DFILES=${KILN_DEVICE_TEXT_ARG}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_sources.cmake
  DEPENDS ${KILN_DEVICE_TEXT} ${PROJECT_SOURCE_DIR}/cmake/embed_sources.cmake
  COMMENT "Embedding CUDA kernel sources" VERBATIM)
target_sources(kiln PRIVATE ${KILN_EMBEDDED})

if(KILN_BUILD_TESTS)
  # CI has the toolkit but no GPU: this test compiles every kernel source for sm_90 with NVRTC.
  add_executable(kiln_nvrtc_check ${PROJECT_SOURCE_DIR}/tests/cpp/nvrtc_check.cc)
  target_link_libraries(kiln_nvrtc_check PRIVATE kiln)
  add_test(NAME nvrtc_compiles_every_kernel COMMAND kiln_nvrtc_check sm_90)
endif()
