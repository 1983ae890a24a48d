import PsychologyIcon from '@mui/icons-material/Psychology';
import { MemoryList } from './MemoryList';

export default { list: MemoryList, icon: PsychologyIcon };
